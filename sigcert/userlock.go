package sigcert

import "sync"

// userLocks serialises the workflows (Ensure, Rotate) of one user through
// one Uploader, so that their list-then-change steps do not interleave,
// while different users proceed in parallel. Entries are dropped when no
// one holds or waits for them.
type userLocks struct {
	mu sync.Mutex
	m  map[string]*userLock
}

type userLock struct {
	sync.Mutex
	refs int
}

// lock locks user's lock and returns its unlock.
func (l *userLocks) lock(user string) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*userLock)
	}
	e := l.m[user]
	if e == nil {
		e = &userLock{}
		l.m[user] = e
	}
	e.refs++
	l.mu.Unlock()

	e.Lock()
	return func() {
		e.Unlock()
		l.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(l.m, user)
		}
		l.mu.Unlock()
	}
}
