package fleet_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/signingcert/sigcert/fleet"
)

// rssChildEnv makes the test binary a child that runs one rotation of
// FLEET_RSS_USERS users and reports its own peak RSS, so that each figure
// is one process's peak and not the test binary's, which ran other things.
const rssChildEnv = "FLEET_RSS_USERS"

// TestFleetPeakRSS rotates 1,000 and 10,000 users, each in a fresh child
// process, against an IAM that stores nothing (stubIAM), and reports the
// child's peak resident set (VmHWM) after building its entries and after
// the run: the run's own cost is the difference. Results go to Deliver,
// which drops them, or are kept in the Report.
//
//	SIGCERT_SCALE=1 go test -run FleetPeakRSS -v ./sigcert/fleet
func TestFleetPeakRSS(t *testing.T) {
	if os.Getenv(rssChildEnv) != "" {
		rssChild(t)
		return
	}
	needScale(t)
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc/self/status to read the peak RSS from")
	}
	const mib = 1024
	for _, keep := range []bool{false, true} {
		for _, n := range []int{1000, 10000} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFleetPeakRSS$", "-test.v")
			cmd.Env = append(os.Environ(), rssChildEnv+"="+strconv.Itoa(n), "FLEET_RSS_KEEP="+strconv.FormatBool(keep))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			var inputs, peak int
			var elapsed string
			for _, line := range strings.Split(string(out), "\n") {
				if i := strings.Index(line, "RSS "); i >= 0 {
					fmt.Sscanf(line[i:], "RSS inputs %d kB peak %d kB in %s", &inputs, &peak, &elapsed)
				}
			}
			if peak == 0 {
				t.Fatalf("no figure from the child:\n%s", out)
			}
			t.Logf("keep Results %-5v %5d users in %s: peak RSS %.1f MiB after building the entries, %.1f MiB after the run (the run: +%.1f MiB)",
				keep, n, elapsed, float64(inputs)/mib, float64(peak)/mib, float64(peak-inputs)/mib)
		}
	}
}

func rssChild(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv(rssChildEnv))
	if err != nil {
		t.Fatal(err)
	}
	entries := make([]fleet.Entry, n)
	for j, body := range ecdsaCerts(n) {
		entries[j] = fleet.Entry{UserName: fmt.Sprintf("user%05d", j), CertificateBody: body, Mode: fleet.Rotate, Policy: deactivate}
	}
	r := &fleet.Runner{API: stubIAM{old: ecdsaCerts(1)[0]}}
	if os.Getenv("FLEET_RSS_KEEP") != "true" {
		r.Deliver = func(fleet.Result) {}
	}
	inputs := peakRSS(t)
	rep, err := r.Run(context.Background(), entries)
	if err != nil || rep.Summary.Changed != n {
		t.Fatalf("%v %+v", err, rep.Summary)
	}
	t.Logf("RSS inputs %d kB peak %d kB in %s", inputs, peakRSS(t), rep.Summary.Elapsed.Round(time.Millisecond))
}

// peakRSS is this process's peak resident set so far, in kB (VmHWM).
func peakRSS(t *testing.T) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
