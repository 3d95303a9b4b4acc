package sigcerttest

import (
	"net/url"
	"strconv"

	smithytime "github.com/aws/smithy-go/time"

	"github.com/iamkit/signingcert/internal/iammodel"
	"github.com/iamkit/signingcert/internal/iamspec"
)

// The user operations on the HTTP face: their parameters as awsquery sends
// them, and their results in IAM's XML, with the element names the SDK's
// deserializers read (service/iam deserializers.go: CreateUserResult,
// GetUserResult and ListUsersResult; User with Path, UserName, UserId, Arn,
// CreateDate; Users of member elements, IsTruncated, Marker).

func createUserInput(p url.Values) iammodel.CreateUserInput {
	return iammodel.CreateUserInput{UserName: param(p, iamspec.FieldUserName)}
}

func getUserInput(p url.Values) iammodel.GetUserInput {
	return iammodel.GetUserInput{UserName: param(p, iamspec.FieldUserName)}
}

func deleteUserInput(p url.Values) iammodel.DeleteUserInput {
	return iammodel.DeleteUserInput{UserName: param(p, iamspec.FieldUserName)}
}

func listUsersInput(p url.Values) (iammodel.ListUsersInput, *iammodel.Error) {
	in := iammodel.ListUsersInput{Marker: param(p, iamspec.FieldMarker)}
	var err *iammodel.Error
	in.MaxItems, err = maxItemsParam(p)
	return in, err
}

func (d *xmlDoc) user(name string, u iammodel.User) {
	d.open(name)
	d.text("Path", u.Path)
	d.text("UserName", u.UserName)
	d.text("UserId", u.UserID)
	d.text("Arn", u.Arn)
	d.text("CreateDate", smithytime.FormatDateTime(u.CreateDate))
	d.close(name)
}

func userResult(u iammodel.User) func(*xmlDoc) {
	return func(d *xmlDoc) { d.user("User", u) }
}

func listUsersResult(page iammodel.ListUsersOutput) func(*xmlDoc) {
	return func(d *xmlDoc) {
		d.open("Users")
		for _, u := range page.Users {
			d.user("member", u)
		}
		d.close("Users")
		d.text("IsTruncated", strconv.FormatBool(page.IsTruncated))
		if page.IsTruncated {
			d.text("Marker", page.Marker)
		}
	}
}

// respondUsers answers the user operations; ok is false for other actions.
func (s *Server) respondUsers(q queryRequest, requestID string) (r response, ok bool) {
	fail := func(err error) response { return errorResponse(asModelError(err), 0, requestID) }
	switch q.Action {
	case iamspec.OpCreateUser:
		u, err := s.model.CreateUser(q.AccessKeyID, createUserInput(q.Params))
		if err != nil {
			return fail(err), true
		}
		return okResponse(success(q.Action, requestID, userResult(u))), true
	case iamspec.OpGetUser:
		u, err := s.model.GetUser(q.AccessKeyID, getUserInput(q.Params))
		if err != nil {
			return fail(err), true
		}
		return okResponse(success(q.Action, requestID, userResult(u))), true
	case iamspec.OpListUsers:
		in, perr := listUsersInput(q.Params)
		if perr != nil {
			return fail(perr), true
		}
		page, err := s.model.ListUsers(q.AccessKeyID, in)
		if err != nil {
			return fail(err), true
		}
		return okResponse(success(q.Action, requestID, listUsersResult(page))), true
	case iamspec.OpDeleteUser:
		if err := s.model.DeleteUser(q.AccessKeyID, deleteUserInput(q.Params)); err != nil {
			return fail(err), true
		}
		return okResponse(success(q.Action, requestID, nil)), true
	}
	return response{}, false
}
