package iammodel

import (
	"slices"
	"time"

	"github.com/iamkit/signingcert/internal/iamspec"
)

// User is an IAM user as CreateUser, GetUser and ListUsers return it.
type User struct {
	UserName string
	// UserID is shaped like IAM's: AIDA and 17 base32 characters.
	UserID string
	// Arn is arn:aws:iam::AccountID:user/UserName.
	Arn string
	// Path is always "/": the model does not take a Path.
	Path string
	// CreateDate is the model's clock at creation, in UTC, to the second.
	CreateDate time.Time
}

// CreateUserInput is CreateUser's parameters. A nil pointer is an absent
// parameter.
type CreateUserInput struct {
	// UserName is the new user's name. Required.
	UserName *string
}

// GetUserInput is GetUser's parameters.
type GetUserInput struct {
	// UserName is the user to get; nil means the caller's own user, as IAM
	// documents ("If you do not specify a user name, IAM determines the
	// user name implicitly based on the Amazon Web Services access key ID
	// used to sign the request").
	UserName *string
}

// ListUsersInput is ListUsers' parameters.
type ListUsersInput struct {
	// Marker is a Marker from a previous truncated ListUsers.
	Marker *string
	// MaxItems caps the page size (1 to 1000); nil means DefaultMaxItems.
	MaxItems *int
}

// ListUsersOutput is one page of ListUsers.
type ListUsersOutput struct {
	// Users are sorted by name, ignoring case. IAM's order is not
	// documented.
	Users       []User
	IsTruncated bool
	// Marker is set only when IsTruncated is true. It is opaque.
	Marker string
}

// DeleteUserInput is DeleteUser's parameters.
type DeleteUserInput struct {
	// UserName is the user to delete. Required.
	UserName *string
}

func (m *Model) newUser(name string, born write) *user {
	return &user{name: name, id: userID(name, born.seq), created: m.clock().UTC().Truncate(time.Second), born: born}
}

func (u *user) public() User {
	return User{
		UserName:   u.name,
		UserID:     u.id,
		Arn:        "arn:aws:iam::" + AccountID + ":user/" + u.name,
		Path:       "/",
		CreateDate: u.created,
	}
}

// caller checks the access key of a request that names no user.
func (m *Model) caller(accessKeyID string) *Error {
	if _, ok := m.keys[accessKeyID]; !ok {
		return newError(iamspec.CodeInvalidClientTokenID, iamspec.MsgInvalidClientTokenID)
	}
	return nil
}

// CreateUser creates an IAM user, as CreateUser does. Its refusals, in the
// order they are checked: Throttling, InvalidClientTokenId,
// ValidationError (UserName missing, longer than 64 characters, or breaking
// IAM's pattern), EntityAlreadyExists (a user of that name in any case
// exists: IAM documents that names are unique without regard to case).
//
// With a propagation delay the user exists at once (a second CreateUser is
// refused) but lookups do not find it until the delay has passed.
func (m *Model) CreateUser(accessKeyID string, in CreateUserInput) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.admit(); err != nil {
		return User{}, err
	}
	if err := m.caller(accessKeyID); err != nil {
		return User{}, err
	}
	if in.UserName == nil {
		return User{}, validationNull(iamspec.FieldUserName)
	}
	name := *in.UserName
	// 64 characters at creation: userNameType in IAM's API model, and the
	// CreateUser reference; existing users are named with up to 128.
	if err := checkUserName(name, iamspec.UserNameCreateMaxLen); err != nil {
		return User{}, err
	}
	if m.users[foldName(name)] != nil {
		return User{}, newError(iamspec.CodeEntityAlreadyExists, iamspec.MsgUserExists(name))
	}
	w := m.newWrite()
	u := m.newUser(name, w)
	m.users[foldName(name)] = u
	m.lastUserWrite = w.seq
	return u.public(), nil
}

// GetUser returns a user, as GetUser does: the one named, or the caller's
// own. Its refusals: Throttling, InvalidClientTokenId, ValidationError
// (UserName), NoSuchEntity (no such user, or one whose creation has not
// propagated yet).
func (m *Model) GetUser(accessKeyID string, in GetUserInput) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.admit(); err != nil {
		return User{}, err
	}
	u, err := m.find(accessKeyID, in.UserName)
	if err != nil {
		return User{}, err
	}
	if !m.readView(m.lastUserWrite).sees(u.born) {
		return User{}, noSuchUser(in.UserName, u)
	}
	return u.public(), nil
}

// ListUsers returns one page of the account's users, as ListUsers does,
// as far as the propagation delay and stale reads let it see them. Its
// refusals: Throttling, InvalidClientTokenId, ValidationError (Marker's
// constraints or one this model did not issue, MaxItems outside 1..1000).
func (m *Model) ListUsers(accessKeyID string, in ListUsersInput) (ListUsersOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.admit(); err != nil {
		return ListUsersOutput{}, err
	}
	if err := m.caller(accessKeyID); err != nil {
		return ListUsersOutput{}, err
	}
	if err := checkMarker(in.Marker); err != nil {
		return ListUsersOutput{}, err
	}
	from := ""
	if in.Marker != nil {
		next, ok := decodeMarker(markerUsers, "", *in.Marker)
		if !ok {
			return ListUsersOutput{}, validation(iamspec.FieldMarker, *in.Marker, constraintMarker(iamspec.OpListUsers))
		}
		from = next
	}
	limit, verr := pageSize(in.MaxItems, DefaultMaxItems)
	if verr != nil {
		return ListUsersOutput{}, verr
	}
	v := m.readView(m.lastUserWrite)
	keys := make([]string, 0, len(m.users))
	for k, u := range m.users {
		if k >= from && v.sees(u.born) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := ListUsersOutput{Users: []User{}}
	for _, k := range keys {
		if len(out.Users) == limit {
			out.IsTruncated = true
			out.Marker = encodeMarker(markerUsers, "", k)
			break
		}
		out.Users = append(out.Users, m.users[k].public())
	}
	return out, nil
}

// DeleteUser deletes a user, as DeleteUser does. Its refusals, in order:
// Throttling, InvalidClientTokenId, ValidationError (UserName missing or
// breaking its constraints), NoSuchEntity, DeleteConflict (409) while the
// user holds signing certificates ("Cannot delete entity, must delete
// certificates first.", IAM-FACTS.md) or access keys (the DeleteUser
// reference: the items attached to a user must be deleted first; the text
// follows the certificates' one, "must delete access keys first.", without
// a recorded answer). The deletion is visible at once.
func (m *Model) DeleteUser(accessKeyID string, in DeleteUserInput) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.admit(); err != nil {
		return err
	}
	if err := m.caller(accessKeyID); err != nil {
		return err
	}
	if in.UserName == nil {
		return validationNull(iamspec.FieldUserName)
	}
	u, err := m.target(accessKeyID, in.UserName, m.freshView())
	if err != nil {
		return err
	}
	if len(u.certs) > 0 {
		return newError(iamspec.CodeDeleteConflict, iamspec.MsgDeleteConflictCertificates)
	}
	for _, k := range m.keys {
		if k.user == foldName(u.name) {
			return newError(iamspec.CodeDeleteConflict, iamspec.MsgDeleteConflictAccessKeys)
		}
	}
	delete(m.users, foldName(u.name))
	return nil
}
