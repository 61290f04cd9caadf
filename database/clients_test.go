package database_test

// The connection settings meet real clients here: a PostgreSQL server with TLS from a
// private certificate authority (as Aurora's certificates come from RDS's), psql (libpq)
// and node-postgres, each given exactly what the containers get. .ci/run installs the
// server and the pinned pg package and points the test at them through
// ECSITE_POSTGRES_BIN and ECSITE_NODE_MODULES; without them the test is skipped, except
// under CI, where it fails.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecsite/infra/database"
)

// nodeClient connects with node-postgres: from the PG* environment, or from the URL in
// DATABASE_LIBPQ_URL when its argument is "url". It prints the result of SELECT 1.
const nodeClient = `
const { Client } = require('pg');
const client = process.argv[2] === 'url'
  ? new Client({ connectionString: process.env.DATABASE_LIBPQ_URL })
  : new Client();
client.connect()
  .then(() => client.query('SELECT 1 AS one'))
  .then((r) => { console.log(r.rows[0].one); return client.end(); })
  .catch((e) => { console.error(e.message); process.exit(1); });
`

// tlsServer is a local PostgreSQL that accepts only TLS connections over TCP.
type tlsServer struct {
	dir, bin, port  string
	caFile, otherCA string
	run             func(name string, args ...string) *exec.Cmd
}

func requireTool(t *testing.T, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: .ci/run installs PostgreSQL and node-postgres for this test", env)
		}
		t.Skipf("%s is not set (.ci/run sets it); skipping the real-client test", env)
	}
	return v
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

// client is one way a container may connect, with the variables it is given.
type client struct {
	name string
	cmd  func(vars map[string]string) *exec.Cmd
	vars func(c database.Connection) map[string]string
}

func TestRealClientsVerifyTheServer(t *testing.T) {
	bin := requireTool(t, "ECSITE_POSTGRES_BIN")
	modules := requireTool(t, "ECSITE_NODE_MODULES")
	started := time.Now()

	// A password made like the master password: every special character RDS allows
	// that a URL must encode.
	password := "Aa1" + database.PasswordSpecials + "z"
	const user, dbName = "dbadmin", "ecsite"
	s := startServer(t, bin, user, password)

	home := filepath.Join(s.dir, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(s.dir, "client.js")
	if err := os.WriteFile(script, []byte(nodeClient), 0o644); err != nil {
		t.Fatal(err)
	}
	psql := func(args ...string) func(map[string]string) *exec.Cmd {
		return func(vars map[string]string) *exec.Cmd {
			cmd := exec.Command(filepath.Join(s.bin, "psql"), append([]string{"-X", "-tA", "-c", "SELECT 1"}, args...)...)
			cmd.Env = clientEnv(home, vars)
			return cmd
		}
	}
	node := func(mode string) func(map[string]string) *exec.Cmd {
		return func(vars map[string]string) *exec.Cmd {
			cmd := exec.Command("node", script, mode)
			cmd.Env = append(clientEnv(home, vars), "NODE_PATH="+modules)
			return cmd
		}
	}
	withURL := func(c database.Connection) map[string]string {
		// Only the TLS variables of Node's own store: the URL carries the rest.
		return map[string]string{"DATABASE_LIBPQ_URL": c.LibpqURL(), "NODE_EXTRA_CA_CERTS": c.CABundle}
	}
	clients := []client{
		{"psql from the PG variables", psql(), database.Connection.Environment},
		{"psql from the libpq URL", nil, nil},
		{"node-postgres from the PG variables", node("env"), database.Connection.Environment},
		{"node-postgres from the libpq URL", node("url"), withURL},
	}
	clients[1].cmd = func(vars map[string]string) *exec.Cmd {
		return psql("-d", vars["DATABASE_LIBPQ_URL"])(map[string]string{})
	}
	clients[1].vars = func(c database.Connection) map[string]string {
		return map[string]string{"DATABASE_LIBPQ_URL": c.LibpqURL()}
	}

	// The writer by name and the reader by address, as the certificate names both.
	endpoints := map[string]string{"writer": "localhost", "reader": "127.0.0.1"}
	port, _ := strconv.Atoi(s.port)
	for role, host := range endpoints {
		conn := database.Connection{User: user, Password: password, Host: host, Port: port, Database: "postgres", CABundle: s.caFile}
		for _, c := range clients {
			t.Run(role+"/"+c.name, func(t *testing.T) {
				out, err := c.cmd(c.vars(conn)).CombinedOutput()
				if err != nil || strings.TrimSpace(string(out)) != "1" {
					t.Fatalf("SELECT 1 failed: %v\n%s", err, out)
				}
			})
			t.Run(role+"/"+c.name+" refuses a server from another CA", func(t *testing.T) {
				other := conn
				other.CABundle = s.otherCA
				out, err := c.cmd(c.vars(other)).CombinedOutput()
				if err == nil {
					t.Fatalf("connected although the server's certificate is not from the bundle:\n%s", out)
				}
				if !strings.Contains(strings.ToLower(string(out)), "certificate") {
					t.Errorf("failed, but not on the certificate:\n%s", out)
				}
			})
		}
	}

	t.Run("plain TCP is refused", func(t *testing.T) {
		conn := database.Connection{User: user, Password: password, Host: "localhost", Port: port, Database: "postgres", CABundle: s.caFile}
		vars := conn.Environment()
		vars["PGSSLMODE"] = "disable"
		out, err := psql()(vars).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "no encryption") {
			t.Fatalf("a connection without TLS was not refused by pg_hba.conf: %v\n%s", err, out)
		}
	})

	t.Run("libpq refuses the Prisma URL", func(t *testing.T) {
		conn := database.Connection{User: user, Password: password, Host: "localhost", Port: port, Database: dbName, CABundle: s.caFile}
		out, err := psql("-d", conn.PrismaURL())(map[string]string{}).CombinedOutput()
		if err == nil || !strings.Contains(string(out), `invalid URI query parameter: "schema"`) {
			t.Fatalf("psql accepted the Prisma form, so libpq clients could be handed it: %v\n%s", err, out)
		}
	})

	if d := time.Since(started); d > 60*time.Second {
		t.Errorf("the real-client test took %v; keep it under a minute", d)
	}
}

// prismaArguments are the arguments Prisma's PostgreSQL connector documents
// (https://www.prisma.io/docs/orm/overview/databases/postgresql#arguments), with the
// values it accepts where they are a closed set.
var prismaArguments = map[string][]string{
	"schema": nil, "connection_limit": nil, "connect_timeout": nil, "pool_timeout": nil,
	"socket_timeout": nil, "sslmode": {"prefer", "disable", "require"}, "sslcert": nil,
	"sslidentity": nil, "sslpassword": nil, "sslaccept": {"strict", "accept_invalid_certs"},
	"host": nil, "pgbouncer": nil, "statement_cache_size": nil, "application_name": nil, "options": nil,
}

// TestPrismaURLUsesPrismaArguments checks the Prisma form against Prisma's documented
// arguments (Prisma's engines download at install time, so it cannot run here): only
// known arguments, TLS required, the server verified against the bundle, credentials
// that round-trip.
func TestPrismaURLUsesPrismaArguments(t *testing.T) {
	c := database.Connection{User: "dbadmin", Password: "Aa1" + database.PasswordSpecials, Host: "db.example", Port: 5432, Database: "ecsite", CABundle: database.CABundlePath,
		ConnectTimeoutSeconds: database.ResumeConnectTimeoutSeconds}
	u, err := url.Parse(c.PrismaURL())
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range u.Query() {
		allowed, known := prismaArguments[k]
		if !known {
			t.Errorf("argument %s is not one of Prisma's", k)
		}
		if allowed != nil && (len(vs) != 1 || !contains(allowed, vs[0])) {
			t.Errorf("%s=%v; Prisma accepts %v", k, vs, allowed)
		}
	}
	q := u.Query()
	if q.Get("sslmode") != "require" || q.Get("sslaccept") != "strict" || q.Get("sslcert") != database.CABundlePath || q.Get("schema") != "public" {
		t.Errorf("query %q does not require TLS and verify the server against %s", u.RawQuery, database.CABundlePath)
	}
	if q.Get("connect_timeout") != strconv.Itoa(database.ResumeConnectTimeoutSeconds) {
		t.Errorf("query %q does not carry the connect timeout", u.RawQuery)
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
		if strings.HasPrefix(p, "PG") {
			got[p] = true
		}
	}
	for k := range database.TLSEnvironment(database.CABundlePath) {
		got[k] = true
	}
	want := map[string]bool{}
	for k := range (database.Connection{}).Environment() {
		want[k] = true
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parameters and TLS variables %v; the client settings are %v", got, want)
	}
}
