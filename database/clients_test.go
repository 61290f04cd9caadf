package database_test

// The connection settings meet real clients here: a PostgreSQL server with TLS from a
// private certificate authority (as Aurora's certificates come from RDS's), and every
// mainstream client, each given exactly what the containers get: psql (libpq), and from
// npm (database/testdata/clients, pinned) node-postgres, postgres.js 3 and 4, TypeORM and
// Prisma 7 with @prisma/adapter-pg. .ci/real-tools installs them and points the test at
// them (ECSITE_POSTGRES_BIN, ECSITE_NODE_MODULES); without them the test fails and says
// how to install them, unless ECSITE_REAL_TESTS=skip asks to skip it.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecsite/infra/database"
	"github.com/ecsite/infra/internal/realtools"
)

// tlsServer is a local PostgreSQL that accepts only TLS connections over TCP.
type tlsServer struct {
	dir, bin, port  string
	caFile, otherCA string
	run             func(name string, args ...string) *exec.Cmd
}

// writeCA creates a self-signed CA and, when host is set, a server certificate for it
// signed by the CA. It returns the CA certificate file and the server cert and key files.
func writeCA(t *testing.T, dir, name string, hosts ...string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(dir, name+"-ca.pem")
	writePEM(t, caFile, "CERTIFICATE", caDER, 0o644)
	if len(hosts) == 0 {
		return caFile, "", ""
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	writePEM(t, certFile, "CERTIFICATE", der, 0o644)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER, 0o600)
	return caFile, certFile, keyFile
}

func writePEM(t *testing.T, path, kind string, der []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), mode); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// startServer initialises a cluster in a temporary directory with the master user and
// password, TLS on with a certificate for localhost and 127.0.0.1 from a private CA, and
// pg_hba.conf admitting TCP clients only over TLS. The server is stopped and every file
// removed when the test ends.
func startServer(t *testing.T, bin, superuser, password string) *tlsServer {
	t.Helper()
	dir, err := os.MkdirTemp("", "ecsite-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &tlsServer{dir: dir, bin: bin, port: freePort(t)}
	s.run = func(name string, args ...string) *exec.Cmd { return exec.Command(filepath.Join(bin, name), args...) }
	// PostgreSQL refuses to run as root: under root (CI containers), run the server
	// as the postgres account the Debian package creates.
	var owner *user.User
	if os.Geteuid() == 0 {
		if owner, err = user.Lookup("postgres"); err != nil {
			t.Fatalf("running as root and no postgres user to run the server as: %v", err)
		}
		s.run = func(name string, args ...string) *exec.Cmd {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, name)}, args...)...)
		}
	}
	s.caFile, _, _ = writeCA(t, dir, "rds", "localhost", "127.0.0.1")
	s.otherCA, _, _ = writeCA(t, dir, "other")
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// data holds the cluster; run the socket and the server log, written by the server.
	data, runDir := filepath.Join(dir, "data"), filepath.Join(dir, "run")
	for _, d := range []string{data, runDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if owner != nil {
		uid, _ := strconv.Atoi(owner.Uid)
		gid, _ := strconv.Atoi(owner.Gid)
		for _, f := range []string{data, runDir, filepath.Join(dir, "server.key")} {
			if err := os.Chown(f, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	if out, err := s.run("initdb", "-D", data, "-U", superuser, "--pwfile", pwfile, "--auth", "scram-sha-256", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	conf := fmt.Sprintf("listen_addresses = 'localhost'\nport = %s\nunix_socket_directories = '%s'\nssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\nfsync = off\n",
		s.port, runDir, filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	hba := "hostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\n"
	appendFile(t, filepath.Join(data, "postgresql.conf"), conf)
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(runDir, "server.log")
	if out, err := s.run("pg_ctl", "-D", data, "-l", logFile, "-w", "-t", "30", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(logFile)
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() {
		if out, err := s.run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
			t.Errorf("pg_ctl stop: %v\n%s", err, out)
		}
	})
	return s
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// clientEnv is a clean environment for a client: no PG* variable or ~/.pgpass of the
// machine's, plus vars.
func clientEnv(home string, vars map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C"}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+vars[k])
	}
	return env
}

// bundle concatenates PEM files into one, in order, as AWS's global bundle holds many
// certificate authorities of which a region's is one.
func bundle(t *testing.T, path string, files ...string) string {
	t.Helper()
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if err := os.WriteFile(path, all, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// containerVariables are the database variables a container gets: the two URLs (secrets),
// the writer's PG* variables (secrets) and the TLS variables (plain).
func containerVariables(writer, reader database.Connection) map[string]string {
	vars := writer.Environment()
	vars["DATABASE_URL"] = writer.URL()
	vars["DATABASE_READER_URL"] = reader.URL()
	return vars
}

// attempt is one connection of one client in one mode, as connect.ts prints it.
type attempt struct {
	Client string `json:"client"`
	Mode   string `json:"mode"`
	OK     bool   `json:"ok"`
	Error  string `json:"error"`
}

// nodeClients are the clients connect.ts runs, and its modes.
var (
	nodeClients = []string{"node-postgres", "postgres.js 4", "postgres.js 3", "TypeORM", "Prisma 7"}
	modes       = []string{"url", "reader-url", "env"}
)

// nodeProject copies connect.ts and its Prisma schema from testdata/clients into a working
// directory whose node_modules is the installed one, and generates the Prisma 7 client
// there offline: prisma generate needs no engine but checks that one is configured, so
// PRISMA_SCHEMA_ENGINE_BINARY names a stand-in executable.
func nodeProject(t *testing.T, dir, modules string) string {
	t.Helper()
	work := filepath.Join(dir, "clients")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"package.json", "tsconfig.json", "connect.ts", "schema.prisma", "prisma.config.ts"} {
		b, err := os.ReadFile(filepath.Join("testdata", "clients", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(modules, filepath.Join(work, "node_modules")); err != nil {
		t.Fatal(err)
	}
	engine := filepath.Join(dir, "no-engine")
	if err := os.WriteFile(engine, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join("node_modules", "prisma", "build", "index.js"), "generate")
	cmd.Dir = work
	cmd.Env = clientEnv(dir, map[string]string{
		"PRISMA_SCHEMA_ENGINE_BINARY":            engine,
		"PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING": "1",
		"CHECKPOINT_DISABLE":                     "1",
		"PRISMA_HIDE_UPDATE_MESSAGE":             "1",
	})
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("prisma generate (offline): %v\n%s", err, out)
	}
	return work
}

// runNode runs connect.ts with exactly vars as its environment and returns its attempts by
// client and mode.
func runNode(t *testing.T, work, home string, vars map[string]string) map[string]attempt {
	t.Helper()
	cmd := exec.Command("node", filepath.Join("node_modules", "tsx", "dist", "cli.mjs"), "connect.ts")
	cmd.Dir = work
	cmd.Env = clientEnv(home, vars)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("connect.ts: %v\n%s\n%s", err, out, stderr.String())
	}
	got := map[string]attempt{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var a attempt
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("connect.ts printed %q: %v\n%s", line, err, stderr.String())
		}
		got[a.Client+"/"+a.Mode] = a
	}
	return got
}

// runPsql connects with psql in a mode: from DATABASE_URL, DATABASE_READER_URL (each as
// psql's only connection argument, the rest from the environment as in a container) or
// from the environment alone.
func runPsql(bin, home, mode string, vars map[string]string) attempt {
	args := []string{"-X", "-tA", "-c", "SELECT 1"}
	switch mode {
	case "url":
		args = append(args, "-d", vars["DATABASE_URL"])
	case "reader-url":
		args = append(args, "-d", vars["DATABASE_READER_URL"])
	}
	cmd := exec.Command(filepath.Join(bin, "psql"), args...)
	cmd.Env = clientEnv(home, vars)
	out, err := cmd.CombinedOutput()
	a := attempt{Client: "psql", Mode: mode, OK: err == nil && strings.TrimSpace(string(out)) == "1"}
	if !a.OK {
		a.Error = fmt.Sprintf("%v: %s", err, out)
	}
	return a
}

// certificateError matches how Node's TLS and OpenSSL (libpq) report a server whose chain
// does not lead to a trusted certificate authority.
var certificateError = regexp.MustCompile(`(?i)certificate|self[- ]signed`)

func TestRealClientsVerifyTheServer(t *testing.T) {
	bin := realtools.Require(t, "ECSITE_POSTGRES_BIN", "PostgreSQL")
	modules := realtools.Require(t, "ECSITE_NODE_MODULES", "the database clients of database/testdata/clients")
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is not on PATH; the database clients need it: %v", err)
	}
	started := time.Now()

	// A password made like the master password: every special character RDS allows
	// that a URL must encode.
	password := "Aa1" + database.PasswordSpecials + "z"
	const user = "dbadmin"
	s := startServer(t, bin, user, password)
	home := filepath.Join(s.dir, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	// The server's CA is the last of three, as a region's CA is one of many in AWS's
	// global bundle; the foreign bundle lacks it.
	regionA, _, _ := writeCA(t, s.dir, "region-a")
	regionB, _, _ := writeCA(t, s.dir, "region-b")
	trusted := bundle(t, filepath.Join(s.dir, "global-bundle.pem"), regionA, regionB, s.caFile)
	foreign := bundle(t, filepath.Join(s.dir, "foreign-bundle.pem"), regionA, s.otherCA)
	work := nodeProject(t, s.dir, modules)

	port, _ := strconv.Atoi(s.port)
	// The writer by name and the reader by address, as the certificate names both; the
	// connect timeout as an auto-pausing (dev) cluster's URL carries it, or none (prod).
	conn := func(host, ca string, timeout int) database.Connection {
		return database.Connection{User: user, Password: password, Host: host, Port: port, Database: "postgres", CABundle: ca, ConnectTimeoutSeconds: timeout}
	}
	variables := func(ca string, timeout int) map[string]string {
		return containerVariables(conn("localhost", ca, timeout), conn("127.0.0.1", ca, timeout))
	}
	every := func(t *testing.T, vars map[string]string) map[string]attempt {
		got := runNode(t, work, home, vars)
		for _, m := range modes {
			got["psql/"+m] = runPsql(bin, home, m, vars)
		}
		return got
	}
	cells := func(t *testing.T, got map[string]attempt, judge func(a attempt) string) {
		t.Helper()
		for _, c := range append([]string{"psql"}, nodeClients...) {
			for _, m := range modes {
				a, ok := got[c+"/"+m]
				if !ok {
					t.Errorf("%s from %s: no attempt reported", c, m)
					continue
				}
				if problem := judge(a); problem != "" {
					t.Errorf("%s from %s: %s", c, m, problem)
				}
			}
		}
	}

	for name, timeout := range map[string]int{"prod (no connect timeout)": 0, "dev (resume timeout)": database.ResumeConnectTimeoutSeconds} {
		t.Run(name+"/connects and verifies", func(t *testing.T) {
			cells(t, every(t, variables(trusted, timeout)), func(a attempt) string {
				if !a.OK {
					return "did not connect: " + a.Error
				}
				return ""
			})
		})
	}
	t.Run("refuses a server of another CA", func(t *testing.T) {
		cells(t, every(t, variables(foreign, database.ResumeConnectTimeoutSeconds)), func(a attempt) string {
			switch {
			case a.OK:
				return "connected although the server's CA is not in the bundle"
			case !certificateError.MatchString(a.Error):
				return "failed, but not on the certificate: " + a.Error
			}
			return ""
		})
	})
	t.Run("plain TCP is refused", func(t *testing.T) {
		vars := variables(trusted, 0)
		for _, k := range []string{"DATABASE_URL", "DATABASE_READER_URL"} {
			vars[k] = strings.Replace(vars[k], "sslmode=verify-full", "sslmode=disable", 1)
		}
		// postgres.js 3 takes any PGSSL value, even "disable", as TLS on: without TLS
		// means without PGSSL there.
		vars["PGSSLMODE"] = "disable"
		delete(vars, "PGSSL")
		cells(t, every(t, vars), func(a attempt) string {
			switch {
			case a.OK:
				return "connected without TLS"
			case !strings.Contains(a.Error, "no encryption"):
				return "failed, but not because the server refuses plain TCP: " + a.Error
			}
			return ""
		})
	})

	// Why the URL carries nothing but URLParameters: Prisma's old schema argument breaks
	// libpq and postgres.js, which is what this matrix is here to catch.
	t.Run("a parameter outside URLParameters breaks clients", func(t *testing.T) {
		vars := variables(trusted, 0)
		vars["DATABASE_URL"] += "&schema=public"
		got := every(t, vars)
		for _, c := range []string{"psql", "postgres.js 3", "postgres.js 4"} {
			if a := got[c+"/url"]; a.OK || !strings.Contains(a.Error, "schema") {
				t.Errorf("%s accepted schema=public in the URL: %+v", c, a)
			}
		}
	})

	if d := time.Since(started); d > 90*time.Second {
		t.Errorf("the real-client test took %v; keep it under 90 s", d)
	}
}

// TestURLCarriesOnlyLibpqParameters: the URL carries only parameters every client honours
// or ignores (libpq refuses any other, postgres.js sends it to the server), asks for full
// verification, and keeps hostile credentials intact.
func TestURLCarriesOnlyLibpqParameters(t *testing.T) {
	c := database.Connection{User: "dbadmin", Password: "Aa1" + database.PasswordSpecials, Host: "db.example", Port: 5432, Database: "ecsite", CABundle: database.CABundlePath,
		ConnectTimeoutSeconds: database.ResumeConnectTimeoutSeconds}
	u, err := url.Parse(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	for k := range u.Query() {
		if !slices.Contains(database.URLParameters, k) {
			t.Errorf("parameter %s is not one of %v", k, database.URLParameters)
		}
	}
	q := u.Query()
	if q.Get("sslmode") != "verify-full" || q.Get("connect_timeout") != strconv.Itoa(database.ResumeConnectTimeoutSeconds) {
		t.Errorf("query %q: want sslmode=verify-full and the connect timeout", u.RawQuery)
	}
	c.ConnectTimeoutSeconds = 0
	if got := c.URL(); strings.Contains(got, "connect_timeout") {
		t.Errorf("URL %q carries a connect timeout that was not asked for", got)
	}
	if pw, _ := u.User.Password(); pw != c.Password || u.User.Username() != c.User {
		t.Errorf("credentials came back as %q/%q", u.User.Username(), pw)
	}
}

// TestContainerVariablesAreTheClientSettings: the parameters the cluster writes for libpq
// clients plus the TLS variables are exactly the variables the real-client test uses.
func TestContainerVariablesAreTheClientSettings(t *testing.T) {
	got := map[string]bool{}
	for _, p := range database.CoreParameters {
		if strings.HasPrefix(p, "PG") || strings.HasPrefix(p, "DATABASE_") {
			got[p] = true
		}
	}
	for k := range database.TLSEnvironment(database.CABundlePath) {
		got[k] = true
	}
	want := map[string]bool{}
	for k := range containerVariables(database.Connection{}, database.Connection{}) {
		want[k] = true
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parameters and TLS variables %v; the client settings are %v", got, want)
	}
}
