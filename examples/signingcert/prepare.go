package main

import (
	"context"

	"github.com/spf13/cobra"
)

// checker is a group of flags that refuses bad values before anything is
// read or sent.
type checker interface{ check() error }

// cmdChecker is a group whose check needs the command (to know what was
// given).
type cmdChecker interface{ check(*cobra.Command) error }

// prepare runs every group's checks, in order: all usage errors come
// before any file is read, configuration loaded or request sent.
func prepare(cmd *cobra.Command, groups ...any) error {
	for _, g := range groups {
		var err error
		switch g := g.(type) {
		case checker:
			err = g.check()
		case cmdChecker:
			err = g.check(cmd)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// user is the user name a one-user command sends: the one given, or the
// caller's own, found with GetUser and named on stderr.
func (s *session) user(ctx context.Context, e *env, cmd *cobra.Command, u *oneUser) (string, error) {
	if u.set {
		return u.name, nil
	}
	return caller(ctx, e, cmd.Name(), s.client)
}
