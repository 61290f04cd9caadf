package database

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// CABundlePath is where every image that talks to the database keeps AWS's global RDS
// certificate bundle, which signs the certificates of every RDS and Aurora endpoint in
// every region (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html#UsingWithRDS.SSL.CertificatesAllRegions).
// The bundle is public and changes only when AWS adds a certificate authority, so the
// image bakes it in at build time (docs/images.md):
//
//	ADD --chmod=0644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
const CABundlePath = "/etc/ssl/certs/rds-global-bundle.pem"

// Connection is one endpoint of the cluster as a client sees it. URL and Environment are
// the two ways a container gets it; every mainstream client reads both the same way and
// verifies the server's certificate and host name, because a cluster that forces TLS
// without verification still accepts a man in the middle. database/clients_test.go proves
// it with each client against a real PostgreSQL.
type Connection struct {
	// User and Password are the database credentials.
	User, Password string
	// Host and Port are the endpoint: the writer's or the reader's.
	Host string
	Port int
	// Database is the database name.
	Database string
	// CABundle is the file with the certificate authorities to trust: CABundlePath in a
	// container, a test's own CA in tests.
	CABundle string
	// ConnectTimeoutSeconds is how long a client that honours connect_timeout waits to open
	// a connection; 0 leaves each client's own default. An auto-pausing cluster sets
	// ResumeConnectTimeoutSeconds.
	ConnectTimeoutSeconds int
}

// ResumeConnectTimeoutSeconds is the connect timeout in the URL of a cluster that
// auto-pauses. A connection to a paused instance waits while Aurora resumes it, about 15 s
// and longer after a long pause
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html).
// libpq and postgres.js honour connect_timeout (postgres.js's own default is 30 s);
// node-postgres, TypeORM and Prisma 7 (through node-postgres) ignore it and wait without
// a limit unless the app sets connectionTimeoutMillis, which is what a resume needs.
const ResumeConnectTimeoutSeconds = 30

// URLParameters are the query parameters URL may carry: libpq's own, each of which every
// client in the matrix either honours or ignores. libpq refuses any other parameter
// (`invalid URI query parameter`), and postgres.js sends one it does not know to the
// server as a run-time setting, which the server refuses.
var URLParameters = []string{"sslmode", "connect_timeout"}

// URL is the connection as a libpq URL (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS)
// with sslmode=verify-full, which every client reads as "TLS, verify the chain and the
// host name":
//   - libpq (psql) takes the CA bundle from PGSSLROOTCERT
//     (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION);
//   - node-postgres, TypeORM and Prisma 7 with @prisma/adapter-pg (which hand the URL to
//     node-postgres's pg-connection-string) and postgres.js verify against Node's trust
//     store, to which NODE_EXTRA_CA_CERTS adds the bundle
//     (https://nodejs.org/api/cli.html#node_extra_ca_certsfile).
//
// The URL names no certificate file: postgres.js 3 sends sslrootcert to the server as a
// setting, and node-postgres and Prisma read sslcert as a client certificate. It carries
// no schema (libpq refuses it; Prisma's default is public). Prisma 6 and earlier read
// neither verify-full nor the environment: docs/images.md shows the URL they need.
//
// The user and password are percent-encoded by net/url (url.UserPassword), so any
// character in them, including : @ / ? # % and space, survives a round trip.
func (c Connection) URL() string {
	q := url.Values{"sslmode": {"verify-full"}}
	if c.ConnectTimeoutSeconds > 0 {
		q.Set("connect_timeout", strconv.Itoa(c.ConnectTimeoutSeconds))
	}
	u := url.URL{
		Scheme:   "postgresql",
		User:     url.UserPassword(c.User, c.Password),
		Host:     net.JoinHostPort(c.Host, strconv.Itoa(c.Port)),
		Path:     "/" + c.Database,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// Environment is the connection as libpq's environment variables
// (https://www.postgresql.org/docs/current/libpq-envars.html): PGHOST, PGPORT, PGDATABASE,
// PGUSER, PGPASSWORD, and the TLS variables of TLSEnvironment. node-postgres (and a Prisma
// 7 pool built with new pg.Pool()) and TypeORM read the same variables
// (https://node-postgres.com/features/connecting#environment-variables); postgres.js reads
// them too, its TLS mode from PGSSLMODE (version 4) or PGSSL (version 3).
func (c Connection) Environment() map[string]string {
	env := TLSEnvironment(c.CABundle)
	env["PGHOST"] = c.Host
	env["PGPORT"] = strconv.Itoa(c.Port)
	env["PGDATABASE"] = c.Database
	env["PGUSER"] = c.User
	env["PGPASSWORD"] = c.Password
	return env
}

// TLSEnvironment is the part of Environment that does not depend on the cluster: the
// plain variables that make every client verify the server against bundle. libpq reads
// PGSSLMODE and PGSSLROOTCERT; node-postgres and postgres.js 4 read PGSSLMODE, postgres.js
// 3 reads PGSSL; Node's TLS, under all of them, trusts NODE_EXTRA_CA_CERTS.
func TLSEnvironment(bundle string) map[string]string {
	return map[string]string{
		"PGSSLMODE":           "verify-full",
		"PGSSL":               "verify-full",
		"PGSSLROOTCERT":       bundle,
		"NODE_EXTRA_CA_CERTS": bundle,
	}
}

// URLDescription is the description of a URL parameter: the URL with placeholders for the
// credentials and the endpoint, so that a reviewer and the policy suite see its settings
// without the secret (policy rule DB-TLS-VERIFY reads it when the value is hidden).
func URLDescription(role, dbName string, connectTimeout int) string {
	shape := Connection{User: "USER", Password: "PASSWORD", Host: strings.ToUpper(role) + "-ENDPOINT", Port: DefaultPort, Database: dbName, ConnectTimeoutSeconds: connectTimeout}.URL()
	return role + " connection URL " + shape + " (verifies the server against PGSSLROOTCERT and NODE_EXTRA_CA_CERTS)"
}

// ConnectionURL returns Connection.URL of user on host, verifying the server against
// CABundlePath, with connect timeout connectTimeout seconds (0 for none).
func ConnectionURL(user, password, host string, port int, dbName string, connectTimeout int) string {
	return Connection{User: user, Password: password, Host: host, Port: port, Database: dbName, CABundle: CABundlePath, ConnectTimeoutSeconds: connectTimeout}.URL()
}
