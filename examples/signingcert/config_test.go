package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// isolateAWS points the SDK at empty config files and clears the variables
// that would otherwise decide the outcome, so the host's setup cannot.
func isolateAWS(t *testing.T) (configFile, credsFile string) {
	t.Helper()
	dir := t.TempDir()
	configFile = filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	for _, p := range []string{configFile, creds} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", configFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	return configFile, creds
}

func TestRegion(t *testing.T) {
	configFile, credsFile := isolateAWS(t)
	if err := os.WriteFile(configFile, []byte("[profile eu]\nregion = eu-central-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A profile named explicitly brings its own credentials: the SDK then
	// ignores those in the environment.
	if err := os.WriteFile(credsFile, []byte("[eu]\naws_access_key_id = AKIDEU\naws_secret_access_key = s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	region := func(a awsFlags) string {
		t.Helper()
		cfg, err := a.loadConfig(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Region
	}
	if got := region(awsFlags{}); got != "us-east-1" {
		t.Errorf("nothing configured: region %q, want us-east-1", got)
	}
	if got := region(awsFlags{profile: "eu"}); got != "eu-central-1" {
		t.Errorf("--profile eu: region %q, want the profile's", got)
	}
	if got := region(awsFlags{profile: "eu", region: "ap-south-1"}); got != "ap-south-1" {
		t.Errorf("--region: region %q, want the flag's", got)
	}
	t.Setenv("AWS_REGION", "sa-east-1")
	if got := region(awsFlags{}); got != "sa-east-1" {
		t.Errorf("AWS_REGION: region %q, want the variable's", got)
	}
	if _, err := (&awsFlags{profile: "nosuch"}).loadConfig(ctx, nil); exitCode(err) != exitOther || errorName(err) != "Config" {
		t.Errorf("missing profile: %v (exit %d, %s)", err, exitCode(err), errorName(err))
	}
}

func TestEndpoint(t *testing.T) {
	isolateAWS(t)
	ctx := context.Background()
	endpoint := func(a awsFlags) string {
		t.Helper()
		cfg, err := a.loadConfig(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(a.client(cfg).Options().BaseEndpoint)
	}
	if got := endpoint(awsFlags{}); got != "" {
		t.Errorf("nothing configured: endpoint %q", got)
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	if got := endpoint(awsFlags{}); got != "http://127.0.0.1:1" {
		t.Errorf("AWS_ENDPOINT_URL: endpoint %q", got)
	}
	t.Setenv("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:2")
	if got := endpoint(awsFlags{}); got != "http://127.0.0.1:2" {
		t.Errorf("AWS_ENDPOINT_URL_IAM: endpoint %q, want it over AWS_ENDPOINT_URL", got)
	}
	if got := endpoint(awsFlags{endpointURL: "http://127.0.0.1:3"}); got != "http://127.0.0.1:3" {
		t.Errorf("--endpoint-url: endpoint %q, want it over the environment", got)
	}
}

func TestNoCredentials(t *testing.T) {
	isolateAWS(t)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		os.Unsetenv(k)
	}
	_, err := (&awsFlags{}).loadConfig(context.Background(), nil)
	if errorName(err) != "NoCredentials" || exitCode(err) != exitOther {
		t.Errorf("no credentials: %v (name %s, exit %d)", err, errorName(err), exitCode(err))
	}
}
