package fleet

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/sigcert"
)

// UserLister is the part of *iam.Client an Auditor needs to find every user
// of the account. It is its own interface, not part of sigcert.API, so that
// sigcert.API (and every test double of it) does not grow.
type UserLister interface {
	ListUsers(ctx context.Context, params *iam.ListUsersInput, optFns ...func(*iam.Options)) (*iam.ListUsersOutput, error)
}

var _ UserLister = (*iam.Client)(nil)

// DefaultExpiringWithin is the window of Auditor.ExpiringWithin when unset.
const DefaultExpiringWithin = 30 * 24 * time.Hour

// QuotaPerUser is IAM's limit of signing certificates per user, which is
// not adjustable (IAM quotas page: "Signing certificates assigned to an IAM
// user | 2"; IAM-FACTS).
const QuotaPerUser = 2

// WeakRSABits is the RSA key size below which a key is flagged weak: AWS
// recommends RSA-2048 for signing certificates.
const WeakRSABits = 2048

// Auditor reports on the signing certificates of an account's users.
type Auditor struct {
	// Uploader lists each user's certificates (sigcert's List, every
	// page); required. Give it RateLimit through sigcert.WithAPIOptions
	// to stay within the account's rate.
	Uploader *sigcert.Uploader
	// Users finds every user of the account when Audit is given none;
	// usually the same *iam.Client. Not needed when users are named.
	Users UserLister
	// ExpiringWithin is the window within which an Active certificate's
	// end is flagged; 0 means DefaultExpiringWithin.
	ExpiringWithin time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Concurrency is how many users are listed at once; 0 means
	// DefaultConcurrency.
	Concurrency int
}

// Audit is an Auditor's report. Its JSON names are stable.
type Audit struct {
	// Time is when the audit judged expiry.
	Time time.Time `json:"time"`
	// ExpiringWithinDays is the expiry window, in days.
	ExpiringWithinDays float64     `json:"expiring_within_days"`
	Users              []UserAudit `json:"users"`
	// Findings lists what needs attention, by user in Users' order.
	Findings []Finding `json:"findings"`
}

// Flagged reports whether anything needs attention: the gate for CI.
func (a *Audit) Flagged() bool { return a != nil && len(a.Findings) > 0 }

// UserAudit is one user's certificates.
type UserAudit struct {
	UserName     string             `json:"user_name"`
	Certificates []CertificateAudit `json:"certificates"`
	// Error says why the user's certificates could not be listed; then
	// Certificates is empty.
	Error string `json:"error,omitempty"`
	// Err is that failure, for errors.Is.
	Err error `json:"-"`
}

// CertificateAudit describes one certificate.
type CertificateAudit struct {
	CertificateID string           `json:"certificate_id"`
	Status        types.StatusType `json:"status"`
	UploadDate    *time.Time       `json:"upload_date,omitempty"`
	// The rest is read from the body, and absent when it does not parse.
	NotAfter *time.Time `json:"not_after,omitempty"`
	// DaysLeft is whole days from the audit's Time to NotAfter, rounded
	// toward zero: 9 for 9.9 days left, -1 for 1.5 days ago.
	DaysLeft    *int   `json:"days_left,omitempty"`
	KeyType     string `json:"key_type,omitempty"` // "RSA", "ECDSA", "Ed25519", or x509's name
	KeyBits     int    `json:"key_bits,omitempty"`
	Subject     string `json:"subject,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	// ParseError says why the body does not parse.
	ParseError string `json:"parse_error,omitempty"`
}

// Kind is a kind of finding.
type Kind string

// The kinds of finding.
const (
	// Expiring: an Active certificate ends within the window.
	Expiring Kind = "expiring"
	// ExpiredActive: an Active certificate has already ended.
	ExpiredActive Kind = "expired_active"
	// AtQuota: the user holds QuotaPerUser certificates, so the next
	// upload fails until one is deleted (Rotate can make room).
	AtQuota Kind = "at_quota"
	// NoActive: the user holds certificates but none Active, or was named
	// and holds none. A user found by ListUsers holding none is not
	// flagged: most users of an account sign nothing.
	NoActive Kind = "no_active"
	// SharedCertificate: the same certificate (by fingerprint) is on more
	// than one user. IAM refuses such an upload, so this is an account
	// state worth a look, such as one from before that rule.
	SharedCertificate Kind = "shared_certificate"
	// WeakKey: an RSA key shorter than WeakRSABits.
	WeakKey Kind = "weak_key"
	// ListFailed: the user's certificates could not be listed.
	ListFailed Kind = "list_failed"
)

// Finding is one thing that needs attention.
type Finding struct {
	Kind          Kind   `json:"kind"`
	UserName      string `json:"user_name"`
	CertificateID string `json:"certificate_id,omitempty"`
	// OtherUsers are the other holders of a SharedCertificate.
	OtherUsers []string `json:"other_users,omitempty"`
	Detail     string   `json:"detail"`
}

// Audit reports on the certificates of users, or, if none are given, of
// every user ListUsers returns (every page). Names are taken once each,
// ignoring case as IAM does.
//
// A user whose certificates cannot be listed is a ListFailed finding, not
// an error. The error is for what stops the whole audit: no Uploader, no
// Users when needed, an empty user name, ListUsers failing, or ctx ending
// (then the Audit so far comes with it).
func (a *Auditor) Audit(ctx context.Context, users ...string) (*Audit, error) {
	if a == nil || a.Uploader == nil {
		return nil, errors.New("fleet: Auditor has no Uploader")
	}
	named := len(users) > 0
	for i, u := range users {
		// An empty name would list the caller's own certificates (IAM
		// uses the signer when UserName is omitted) under the name "".
		if strings.TrimSpace(u) == "" {
			return nil, fmt.Errorf("fleet: user name %d of %d is empty", i+1, len(users))
		}
	}
	if !named {
		if a.Users == nil {
			return nil, errors.New("fleet: Auditor has no Users to list the account's users with, and no user was named")
		}
		var err error
		if users, err = listUsers(ctx, a.Users); err != nil {
			return nil, err
		}
	}
	users = uniqueFold(users)
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	window := a.ExpiringWithin
	if window <= 0 {
		window = DefaultExpiringWithin
	}
	rep := &Audit{Time: now, ExpiringWithinDays: window.Hours() / 24, Users: make([]UserAudit, len(users)), Findings: []Finding{}}

	workers := a.Concurrency
	if workers <= 0 {
		workers = DefaultConcurrency
	}
	lists := make([][]*sigcert.Certificate, len(users))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers && w < len(users); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				certs, err := a.Uploader.List(ctx, users[i])
				rep.Users[i] = UserAudit{UserName: users[i], Certificates: []CertificateAudit{}, Err: err}
				if err != nil {
					rep.Users[i].Error = err.Error()
				}
				lists[i] = certs
			}
		}()
	}
	for i := range users {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	holders := map[string][]string{} // fingerprint → users, in order
	for i := range users {
		u := &rep.Users[i]
		if u.Err != nil {
			rep.Findings = append(rep.Findings, Finding{Kind: ListFailed, UserName: u.UserName, Detail: u.Error})
			continue
		}
		active := 0
		for _, c := range lists[i] {
			ca := describe(c, now)
			u.Certificates = append(u.Certificates, ca)
			rep.Findings = append(rep.Findings, certificateFindings(u.UserName, ca, c, now, window)...)
			if c.Status == types.StatusTypeActive {
				active++
			}
			if id := holderKey(c); id != "" && !containsFold(holders[id], u.UserName) {
				holders[id] = append(holders[id], u.UserName)
			}
		}
		n := len(lists[i])
		if n >= QuotaPerUser {
			rep.Findings = append(rep.Findings, Finding{Kind: AtQuota, UserName: u.UserName,
				Detail: fmt.Sprintf("holds %d certificates, IAM's quota: the next upload needs one deleted first", n)})
		}
		if active == 0 && (n > 0 || named) {
			rep.Findings = append(rep.Findings, Finding{Kind: NoActive, UserName: u.UserName,
				Detail: fmt.Sprintf("holds %d certificate(s), none Active", n)})
		}
	}
	rep.Findings = append(rep.Findings, sharedFindings(rep.Users, lists, holders)...)
	return rep, ctx.Err()
}

// certificateFindings are the findings about one certificate on its own.
func certificateFindings(user string, ca CertificateAudit, c *sigcert.Certificate, now time.Time, window time.Duration) []Finding {
	var out []Finding
	if c.X509 == nil {
		return nil
	}
	if c.Status == types.StatusTypeActive {
		end := c.X509.NotAfter
		switch {
		case now.After(end):
			out = append(out, Finding{Kind: ExpiredActive, UserName: user, CertificateID: c.CertificateID,
				Detail: fmt.Sprintf("Active, but expired %s (%d days ago)", end.UTC().Format(time.RFC3339), -*ca.DaysLeft)})
		case end.Sub(now) <= window:
			out = append(out, Finding{Kind: Expiring, UserName: user, CertificateID: c.CertificateID,
				Detail: fmt.Sprintf("Active, expires %s (%d days left)", end.UTC().Format(time.RFC3339), *ca.DaysLeft)})
		}
	}
	if ca.KeyType == "RSA" && ca.KeyBits < WeakRSABits {
		out = append(out, Finding{Kind: WeakKey, UserName: user, CertificateID: c.CertificateID,
			Detail: fmt.Sprintf("RSA key of %d bits, under %d", ca.KeyBits, WeakRSABits)})
	}
	return out
}

// sharedFindings flags, on each holder, a certificate held by several users.
func sharedFindings(users []UserAudit, lists [][]*sigcert.Certificate, holders map[string][]string) []Finding {
	var out []Finding
	for i, u := range users {
		for _, c := range lists[i] {
			all := holders[holderKey(c)]
			if len(all) < 2 {
				continue
			}
			var others []string
			for _, h := range all {
				if !strings.EqualFold(h, u.UserName) {
					others = append(others, h)
				}
			}
			out = append(out, Finding{Kind: SharedCertificate, UserName: u.UserName, CertificateID: c.CertificateID, OtherUsers: others,
				Detail: fmt.Sprintf("the same certificate is on %s", strings.Join(others, ", "))})
		}
	}
	return out
}

// holderKey identifies a certificate across users: its fingerprint, or for
// a body that does not parse, the body without whitespace.
func holderKey(c *sigcert.Certificate) string {
	if c.Fingerprint != "" {
		return c.Fingerprint
	}
	if strings.TrimSpace(c.CertificateBody) == "" {
		return ""
	}
	return bodyIdentity(c.CertificateBody)
}

// describe reads what the audit reports from one listed certificate.
func describe(c *sigcert.Certificate, now time.Time) CertificateAudit {
	ca := CertificateAudit{CertificateID: c.CertificateID, Status: c.Status, Fingerprint: c.Fingerprint}
	if !c.UploadDate.IsZero() {
		d := c.UploadDate
		ca.UploadDate = &d
	}
	if c.ParseError != nil {
		ca.ParseError = c.ParseError.Error()
	}
	x := c.X509
	if x == nil {
		if ca.ParseError == "" {
			ca.ParseError = "not parsed"
		}
		return ca
	}
	end := x.NotAfter
	days := int(end.Sub(now) / (24 * time.Hour))
	ca.NotAfter, ca.DaysLeft = &end, &days
	ca.Subject = x.Subject.String()
	switch k := x.PublicKey.(type) {
	case *rsa.PublicKey:
		ca.KeyType, ca.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		ca.KeyType, ca.KeyBits = "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		ca.KeyType, ca.KeyBits = "Ed25519", 256
	default:
		ca.KeyType = x.PublicKeyAlgorithm.String()
	}
	return ca
}

// listUsers returns every user name, following every page.
func listUsers(ctx context.Context, l UserLister) ([]string, error) {
	p := iam.NewListUsersPaginator(l, &iam.ListUsersInput{}, func(o *iam.ListUsersPaginatorOptions) {
		o.StopOnDuplicateToken = true // a repeated marker would loop forever
	})
	var names []string
	for pages := 0; p.HasMorePages(); pages++ {
		if pages == maxUserPages || len(names) > maxAccountUsers {
			// No account can answer so: refuse it rather than grow without
			// end, as sigcert's List does for one user's certificates.
			return nil, fmt.Errorf("fleet: listing the account's users: %w: more than %d pages or %d users, beyond IAM's quota of %d users an account",
				sigcert.ErrIncompleteResponse, maxUserPages, maxAccountUsers, iamUsersQuota)
		}
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("fleet: listing the account's users: %w", err)
		}
		for _, u := range out.Users {
			if u.UserName != nil {
				names = append(names, *u.UserName)
			}
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	return names, nil
}

// Bounds on the account's user list. IAM allows 5,000 users an account (IAM
// quotas page, "IAM users per AWS account"), which ListUsers gives in pages
// of 100 by default (API reference, MaxItems). An answer far beyond that is
// refused.
const (
	iamUsersQuota   = 5000
	maxAccountUsers = 2 * iamUsersQuota
	maxUserPages    = 1000
)

func uniqueFold(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		k := strings.ToLower(n)
		if !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
