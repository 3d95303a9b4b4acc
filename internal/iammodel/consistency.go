package iammodel

import "time"

// Eventual consistency.
//
// IAM is eventually consistent: "Changes that I make are not always
// immediately visible" (IAM User Guide, Troubleshooting IAM), because IAM
// replicates its data across servers in Amazon's data centers around the
// world. A write that succeeded may not show in a read made right after it.
// terraform-provider-aws retries reading a freshly uploaded signing
// certificate for up to two minutes for this reason. An upload whose
// response was lost, a List that does not show it, then a second upload
// answered DuplicateCertificate, is an ordinary sequence against IAM.
//
// The model reproduces that, off by default, in two ways:
//
//   - SetPropagationDelay(d): every write (Upload, Update, Delete of a
//     certificate, CreateUser) is applied at once, so the quota, duplicate
//     detection and a second write see it, but for d on the model's clock
//     List does not show it (a new certificate is missing, an updated one
//     shows its old status, a deleted one is still listed), and a new user
//     is not found by lookups (GetUser, ListUsers, or any operation naming
//     the user answers NoSuchEntity).
//   - StaleReads(n): the next n reads (List, GetUser, ListUsers) do not see
//     the latest write to what they read, however long ago it was made.
//
// What it does not model: IAM's real delays (unknown, and usually seconds);
// reads that flip between old and new state on one key; DeleteUser, which is
// visible at once; and more than one status change within the delay (a
// List shows the status before the latest change).

// write is one applied write: its sequence number and the time from which
// reads see it. The zero write (setup, such as AddUser) is always seen.
type write struct {
	seq       uint64
	visibleAt time.Time
}

type consistency struct {
	delay     time.Duration
	staleLeft int
	// lastUserWrite is the latest CreateUser, hidden from a stale read of
	// the user list.
	lastUserWrite uint64
}

// SetPropagationDelay makes every later write invisible to reads for d on
// the model's clock (see the comment above). Zero or less turns it off for
// later writes.
func (m *Model) SetPropagationDelay(d time.Duration) {
	m.mu.Lock()
	m.delay = max(d, 0)
	m.mu.Unlock()
}

// StaleReads makes the next n reads (List, GetUser, ListUsers) stale: each
// misses the latest write to what it reads. Zero or less cancels the stale
// reads still pending.
func (m *Model) StaleReads(n int) {
	m.mu.Lock()
	m.staleLeft = max(n, 0)
	m.mu.Unlock()
}

// newWrite records a write made now. Callers hold m.mu.
func (m *Model) newWrite() write {
	m.seq++
	return write{seq: m.seq, visibleAt: m.clock().Add(m.delay)}
}

// view is how one read sees the account.
type view struct {
	now time.Time
	// cutoff hides writes with this sequence number or later; 0 hides none.
	cutoff uint64
}

func (v view) sees(w write) bool {
	if w.seq == 0 {
		return true
	}
	if v.cutoff != 0 && w.seq >= v.cutoff {
		return false
	}
	return !v.now.Before(w.visibleAt)
}

// freshView sees every write whose propagation is over.
func (m *Model) freshView() view { return view{now: m.clock()} }

// readView is the view of a read whose subject was last written by
// lastWrite; it takes one pending stale read, if any. Callers hold m.mu.
func (m *Model) readView(lastWrite uint64) view {
	v := m.freshView()
	if m.staleLeft > 0 {
		m.staleLeft--
		v.cutoff = lastWrite
	}
	return v
}

// listed returns u's certificates as view v sees them, in upload order.
func (u *user) listed(v view) []Certificate {
	var all []*cert
	for _, c := range u.certs {
		if v.sees(c.uploaded) {
			all = append(all, c)
		}
	}
	for _, g := range u.ghosts {
		if v.sees(g.uploaded) && !v.sees(g.deleted) {
			all = append(all, g)
		}
	}
	sortBySeq(all)
	out := make([]Certificate, len(all))
	for i, c := range all {
		out[i] = c.Certificate
		if !v.sees(c.statusWrite) {
			out[i].Status = c.prevStatus
		}
	}
	return out
}

// prune drops the ghosts whose deletion every read now sees. Callers hold
// m.mu.
func (u *user) prune(now time.Time) {
	kept := u.ghosts[:0]
	for _, g := range u.ghosts {
		if now.Before(g.deleted.visibleAt) || g.deleted.seq == u.lastWrite {
			kept = append(kept, g)
		}
	}
	clear(u.ghosts[len(kept):])
	u.ghosts = kept
}

func sortBySeq(cs []*cert) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].seq < cs[j-1].seq; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}
