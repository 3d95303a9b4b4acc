package sigcert

import (
	"context"
	"strings"
	"sync"
)

// userLocks serialises the workflows (Ensure, Rotate) of one user through
// one Uploader, so that their list-then-change steps do not interleave,
// while different users proceed in parallel. Entries are dropped when no
// one holds or waits for them.
//
// Keys ignore case: IAM does not distinguish user names by case ("you
// cannot create resources named both "MyResource" and "myresource"", the
// CreateUser documentation), so Bob and bob are one user. Names are ASCII
// (iamspec.UserNamePattern), so lower-casing is exact.
//
// The empty name (the caller's own user) is a key of its own: the Uploader
// cannot know which user signs its requests without a call API does not
// have, so a nameless call serialises with other nameless calls only.
type userLocks struct {
	mu sync.Mutex
	m  map[string]*userLock
}

type userLock struct {
	held chan struct{} // holds one token while locked
	refs int
}

// lock waits for user's lock and returns its unlock, or ctx's error the
// moment ctx is done while waiting (the lock is then not held).
func (l *userLocks) lock(ctx context.Context, user string) (unlock func(), err error) {
	key := strings.ToLower(user)
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*userLock)
	}
	e := l.m[key]
	if e == nil {
		e = &userLock{held: make(chan struct{}, 1)}
		l.m[key] = e
	}
	e.refs++
	l.mu.Unlock()

	release := func() {
		l.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
	// A done context wins even when the lock is free, so that a call made
	// with an ended context never starts.
	if err := ctx.Err(); err != nil {
		release()
		return nil, err
	}
	select {
	case e.held <- struct{}{}:
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
	return func() {
		<-e.held
		release()
	}, nil
}
