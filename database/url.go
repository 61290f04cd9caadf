package database

import (
	"net"
	"net/url"
	"strconv"
)

// ConnectionURL returns the Prisma/libpq connection URL
// postgresql://USER:PASSWORD@HOST:PORT/DBNAME?schema=public&sslmode=require. The user and
// password are percent-encoded by net/url (url.UserPassword), so any character in them,
// including : @ / ? # % and space, survives a round trip through a URL parser.
func ConnectionURL(user, password, host string, port int, dbName string) string {
	u := url.URL{
		Scheme:   "postgresql",
		User:     url.UserPassword(user, password),
		Host:     net.JoinHostPort(host, strconv.Itoa(port)),
		Path:     "/" + dbName,
		RawQuery: url.Values{"schema": {"public"}, "sslmode": {"require"}}.Encode(),
	}
	return u.String()
}
