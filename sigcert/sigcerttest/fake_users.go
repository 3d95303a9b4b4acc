package sigcerttest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// The Fake's user operations, with *iam.Client's signatures, so that a Fake
// satisfies any interface of user operations that *iam.Client satisfies.

// CreateUser creates an IAM user, as *iam.Client's CreateUser does against
// IAM: a name is unique without regard to case (EntityAlreadyExists, 409)
// and at most 64 characters long (ValidationError). Only UserName is used;
// the user's Path is "/".
func (f *Fake) CreateUser(ctx context.Context, params *iam.CreateUserInput, optFns ...func(*iam.Options)) (*iam.CreateUserOutput, error) {
	const op = iamspec.OpCreateUser
	if params == nil {
		params = &iam.CreateUserInput{}
	}
	if params.UserName == nil {
		return nil, invalidParams(op, "CreateUserInput", iamspec.FieldUserName)
	}
	r, err := f.begin(ctx, op, copyOf(params), optFns)
	if err != nil {
		return nil, err
	}
	u, err := f.m().CreateUser(r.caller, iammodel.CreateUserInput{UserName: params.UserName})
	if err := r.end(err); err != nil {
		return nil, err
	}
	return &iam.CreateUserOutput{User: sdkUser(u), ResultMetadata: metadata(r.requestID)}, nil
}

// GetUser returns a user, as *iam.Client's GetUser does: the one named, or
// without a UserName the caller's own.
func (f *Fake) GetUser(ctx context.Context, params *iam.GetUserInput, optFns ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	const op = iamspec.OpGetUser
	if params == nil {
		params = &iam.GetUserInput{}
	}
	r, err := f.begin(ctx, op, copyOf(params), optFns)
	if err != nil {
		return nil, err
	}
	u, err := f.m().GetUser(r.caller, iammodel.GetUserInput{UserName: params.UserName})
	if err := r.end(err); err != nil {
		return nil, err
	}
	return &iam.GetUserOutput{User: sdkUser(u), ResultMetadata: metadata(r.requestID)}, nil
}

// ListUsers returns one page of the account's users, sorted by name
// without regard to case, as *iam.Client's ListUsers does (Marker,
// MaxItems, IsTruncated). PathPrefix is ignored: every user's path is "/".
func (f *Fake) ListUsers(ctx context.Context, params *iam.ListUsersInput, optFns ...func(*iam.Options)) (*iam.ListUsersOutput, error) {
	const op = iamspec.OpListUsers
	if params == nil {
		params = &iam.ListUsersInput{}
	}
	r, err := f.begin(ctx, op, copyOf(params), optFns)
	if err != nil {
		return nil, err
	}
	in := iammodel.ListUsersInput{Marker: params.Marker}
	if params.MaxItems != nil {
		in.MaxItems = ptr(int(*params.MaxItems))
	}
	page, err := f.m().ListUsers(r.caller, in)
	if err := r.end(err); err != nil {
		return nil, err
	}
	out := &iam.ListUsersOutput{IsTruncated: page.IsTruncated, ResultMetadata: metadata(r.requestID)}
	for _, u := range page.Users {
		out.Users = append(out.Users, *sdkUser(u))
	}
	if out.Users == nil {
		out.Users = []types.User{}
	}
	if page.IsTruncated {
		out.Marker = ptr(page.Marker)
	}
	return out, nil
}

// DeleteUser deletes a user, as *iam.Client's DeleteUser does: refused with
// DeleteConflict (409) while the user holds signing certificates or access
// keys.
func (f *Fake) DeleteUser(ctx context.Context, params *iam.DeleteUserInput, optFns ...func(*iam.Options)) (*iam.DeleteUserOutput, error) {
	const op = iamspec.OpDeleteUser
	if params == nil {
		params = &iam.DeleteUserInput{}
	}
	if params.UserName == nil {
		return nil, invalidParams(op, "DeleteUserInput", iamspec.FieldUserName)
	}
	r, err := f.begin(ctx, op, copyOf(params), optFns)
	if err != nil {
		return nil, err
	}
	err = f.m().DeleteUser(r.caller, iammodel.DeleteUserInput{UserName: params.UserName})
	if err := r.end(err); err != nil {
		return nil, err
	}
	return &iam.DeleteUserOutput{ResultMetadata: metadata(r.requestID)}, nil
}
