package sigcerttest_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Code users are told to copy must compile outside this module, so it may
// not import the module's internal packages: every file holding an Example,
// and the example programs quickstart and consumer.

const modulePath = "github.com/iamkit/signingcert"

// moduleRoot is the directory of this module's go.mod, two levels up from
// this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !strings.Contains(string(data), "module "+modulePath+"\n") {
		t.Fatalf("%s is not the module root (%v)", root, err)
	}
	return root
}

func TestCopyableCodeImportsNoInternalPackage(t *testing.T) {
	root := moduleRoot(t)
	var checked []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if name := d.Name(); rel != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		program := strings.HasPrefix(rel, "examples/quickstart/") || strings.HasPrefix(rel, "examples/consumer/")
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		if !program {
			if !strings.HasSuffix(path, "_test.go") || !hasExample(t, path) {
				return nil
			}
		}
		checked = append(checked, rel)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, modulePath+"/") && strings.Contains(p+"/", "/internal/") {
				t.Errorf("%s imports %s: code users copy must use only public packages", rel, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk must have seen the files this test exists for.
	sort.Strings(checked)
	for _, want := range []string{"sigcert/example_test.go", "sigcert/sigcerttest/example_test.go", "examples/quickstart/main.go"} {
		if i := sort.SearchStrings(checked, want); i == len(checked) || checked[i] != want {
			t.Errorf("%s was not checked; checked %v", want, checked)
		}
	}
	if !containsPrefix(checked, "examples/consumer/") {
		t.Errorf("no file of examples/consumer was checked; checked %v", checked)
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// hasExample reports whether the Go file at path declares an Example
// function.
func hasExample(t *testing.T, path string) bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Example") {
			return true
		}
	}
	return false
}

// packageDoc returns go/doc's view of the package in dir, with the
// Examples of its test files attached as go doc attaches them.
func packageDoc(t *testing.T, dir, importPath string) *doc.Package {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, p := range paths {
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

// examplesWithOutput returns the names (suffix included) of exs that check
// their output.
func examplesWithOutput(exs []*doc.Example) []string {
	var names []string
	for _, ex := range exs {
		if ex.Output != "" || ex.EmptyOutput {
			names = append(names, ex.Name)
		}
	}
	return names
}

func TestEveryUploaderMethodHasAnExampleWithOutput(t *testing.T) {
	pkg := packageDoc(t, filepath.Join(moduleRoot(t), "sigcert"), modulePath+"/sigcert")
	var uploader *doc.Type
	for _, ty := range pkg.Types {
		if ty.Name == "Uploader" {
			uploader = ty
		}
	}
	if uploader == nil {
		t.Fatal("no type Uploader")
	}
	var methods []string
	for _, m := range uploader.Methods {
		if !ast.IsExported(m.Name) {
			continue
		}
		methods = append(methods, m.Name)
		if len(examplesWithOutput(m.Examples)) == 0 {
			t.Errorf("Uploader.%s has no Example with an Output comment", m.Name)
		}
	}
	if len(methods) < 7 {
		t.Errorf("found methods %v, want at least Upload, Check, Ensure, Rotate, List, SetStatus, Delete", methods)
	}
	found := false
	for _, f := range pkg.Funcs {
		if f.Name == "WithConcurrentModificationRetry" {
			found = len(examplesWithOutput(f.Examples)) > 0
		}
	}
	for _, ty := range pkg.Types { // go/doc files a func returning Option under that type
		for _, f := range ty.Funcs {
			if f.Name == "WithConcurrentModificationRetry" {
				found = len(examplesWithOutput(f.Examples)) > 0
			}
		}
	}
	if !found {
		t.Error("WithConcurrentModificationRetry has no Example with an Output comment")
	}
}

func TestEverySigcerttestHelperHasAnExampleWithOutput(t *testing.T) {
	pkg := packageDoc(t, filepath.Join(moduleRoot(t), "sigcert", "sigcerttest"), modulePath+"/sigcert/sigcerttest")
	have := map[string]bool{}
	note := func(name string, exs []*doc.Example) {
		if len(examplesWithOutput(exs)) > 0 {
			have[name] = true
		}
	}
	for _, f := range pkg.Funcs {
		note(f.Name, f.Examples)
	}
	for _, ty := range pkg.Types {
		note(ty.Name, ty.Examples)
		for _, f := range ty.Funcs {
			note(f.Name, f.Examples)
		}
		for _, m := range ty.Methods {
			note(ty.Name+"."+m.Name, m.Examples)
		}
	}
	// A list, not every exported name: a helper added on another branch
	// gets its Example there, and joins the list with it.
	for _, helper := range []string{"NewFake", "NewServer", "NewUnstartedServer", "Server.Inject", "APIError", "FuncAPI",
		"NewCert", "ExpiredCert", "NotYetValidCert", "Cert.Chain", "Fault",
		"Fake.Inject", "Fake.ClearFaults", "Fake.Calls", "Fake.Requests", "Fake.SetClock",
		"Fake.SetPropagationDelay", "Fake.StaleReads", "Fake.SetRateLimit", "Fake.MarkExpired",
		"Fake.CreateUser", "Fake.GetUser", "Fake.ListUsers", "Fake.DeleteUser",
		"Fake.AddUser", "Fake.Users", "Fake.Certificates", "Fake.AddAccessKey", "Fake.AddAccessKeyWithSecret",
		"Server.StartTLS", "Server.Certificate", "Server.Reset", "Server.HTTPClient", "Server.Handler",
		"Server.SetSigningClock", "Server.Client", "Server.SetRateLimit", "Server.ClearFaults",
		"Server.AddUser", "Server.Requests", "Server.AddAccessKey", "Server.AddAccessKeyWithSecret",
		"Server.SetPropagationDelay", "Server.SetClock", "Server.StaleReads", "Server.MarkExpired", "Server.Close",
		"Server.Start", "KeyTypes", "WithSerial", "WithValidity", "WithStatus", "WithAttempts", "FuncAPI.Calls"} {
		if !have[helper] {
			t.Errorf("%s has no Example with an Output comment", helper)
		}
	}
}
