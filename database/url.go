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

// Connection is one endpoint of the cluster as a client sees it. Its methods render the
// settings each client family accepts; all of them verify the server's certificate
// against CABundle and its host name, because a cluster that forces TLS without
// verification still accepts a man in the middle.
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
	// ConnectTimeoutSeconds is how long Prisma waits to open a connection; 0 keeps
	// Prisma's default of 5 s. An auto-pausing cluster sets ResumeConnectTimeoutSeconds.
	ConnectTimeoutSeconds int
}

// ResumeConnectTimeoutSeconds is Prisma's connect timeout for a cluster that auto-pauses.
// A connection to a paused instance waits while Aurora resumes it, about 15 s and longer
// after a long pause
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html);
// Prisma's default of 5 s would fail the first request after every pause. libpq and
// node-postgres wait without a limit unless told otherwise, so they need nothing.
const ResumeConnectTimeoutSeconds = 30

// url renders the connection as a URL with the user and password
// percent-encoded by net/url (url.UserPassword), so any character in them, including
// : @ / ? # % and space, survives a round trip through a URL parser.
func (c Connection) url(query url.Values) string {
	u := url.URL{
		Scheme: "postgresql",
		User:   url.UserPassword(c.User, c.Password),
		Host:   net.JoinHostPort(c.Host, strconv.Itoa(c.Port)),
		Path:   "/" + c.Database,
		// A slash may stand unescaped in a query (RFC 3986, section 3.4), which keeps the
		// certificate path readable; every other reserved character stays escaped.
		RawQuery: strings.ReplaceAll(query.Encode(), "%2F", "/"),
	}
	return u.String()
}

// PrismaURL is the DATABASE_URL of Prisma's own query engine. Prisma's PostgreSQL
// connector takes schema, sslmode (prefer, disable or require), sslcert (the server's
// root certificate) and sslaccept (strict, or accept_invalid_certs, which older releases
// default to), and no libpq TLS parameter
// (https://www.prisma.io/docs/orm/overview/databases/postgresql#arguments). sslmode=require
// with sslcert and sslaccept=strict makes it verify the server. libpq refuses this URL
// (it does not know schema, sslcert is a client certificate to it): libpq clients use
// LibpqURL or Environment.
func (c Connection) PrismaURL() string {
	q := url.Values{
		"schema":    {"public"},
		"sslmode":   {"require"},
		"sslcert":   {c.CABundle},
		"sslaccept": {"strict"},
	}
	if c.ConnectTimeoutSeconds > 0 {
		q.Set("connect_timeout", strconv.Itoa(c.ConnectTimeoutSeconds))
	}
	return c.url(q)
}

// LibpqURL is the URL form libpq and node-postgres (pg-connection-string) both read:
// sslmode=verify-full checks the certificate chain against sslrootcert and the host name
// (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION);
// pg-connection-string reads sslrootcert into the TLS options' ca and keeps verification
// on for verify-full (https://github.com/brianc/node-postgres/tree/master/packages/pg-connection-string#tcp-connections).
func (c Connection) LibpqURL() string {
	return c.url(url.Values{
		"sslmode":     {"verify-full"},
		"sslrootcert": {c.CABundle},
	})
}

// Environment is the connection as libpq's environment variables
// (https://www.postgresql.org/docs/current/libpq-envars.html), which node-postgres reads
// too: PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, and PGSSLMODE, which node-postgres
// turns into TLS with Node's verification on for verify-full
// (https://node-postgres.com/features/connecting#environment-variables). Node does not
// read PGSSLROOTCERT, so NODE_EXTRA_CA_CERTS adds the bundle to Node's own trust store,
// for node-postgres and any other TLS client of the process
// (https://nodejs.org/api/cli.html#node_extra_ca_certsfile).
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
// variables that make libpq and Node verify the server against bundle.
func TLSEnvironment(bundle string) map[string]string {
	return map[string]string{
		"PGSSLMODE":           "verify-full",
		"PGSSLROOTCERT":       bundle,
		"NODE_EXTRA_CA_CERTS": bundle,
	}
}

// ConnectionURL returns the Prisma connection URL of user on host, verifying the server
// against CABundlePath (Connection.PrismaURL), with Prisma's connect timeout
// connectTimeout seconds (0 for Prisma's default).
func ConnectionURL(user, password, host string, port int, dbName string, connectTimeout int) string {
	return Connection{User: user, Password: password, Host: host, Port: port, Database: dbName, CABundle: CABundlePath, ConnectTimeoutSeconds: connectTimeout}.PrismaURL()
}
