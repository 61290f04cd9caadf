package policy

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/ecsite/infra/database"
)

// The database: not public, protected, backed up, and reached over verified TLS.

func checkDBNotPublic(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:rds/clusterInstance:ClusterInstance", "aws:rds/instance:Instance")
	for _, r := range rs {
		if g.In(r, "publiclyAccessible").Bool() {
			fs = append(fs, g.finding(r, "publiclyAccessible is true"))
		}
	}
	return len(rs), fs
}

func checkDBProtected(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:rds/cluster:Cluster")
	for _, r := range rs {
		if !g.In(r, "deletionProtection").Bool() {
			fs = append(fs, g.finding(r, "deletionProtection is not true"))
		}
		if g.In(r, "skipFinalSnapshot").Bool() || g.In(r, "finalSnapshotIdentifier").Str() == "" {
			fs = append(fs, g.finding(r, "no final snapshot on delete (skipFinalSnapshot or no finalSnapshotIdentifier)"))
		}
		if !r.Protect {
			fs = append(fs, g.finding(r, "not protected by Pulumi (protect)"))
		}
	}
	return len(rs), fs
}

func checkBackupRetention(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:rds/cluster:Cluster")
	for _, r := range rs {
		days := g.In(r, "backupRetentionPeriod").Num() // AWS defaults to 1 when unset
		if days < 7 {
			fs = append(fs, g.finding(r, "backupRetentionPeriod %v is below 7 days", days))
		}
	}
	return len(rs), fs
}

// checkDatabaseTLS finds containers that receive a database connection setting
// (DATABASE_URL, DATABASE_READER_URL or a PG* variable) without the variables that make
// every client verify the server's certificate (database.TLSEnvironment), and PostgreSQL
// URLs stored in SSM parameters that do not ask for verification or carry a parameter
// outside database.URLParameters (which libpq refuses and postgres.js sends to the server).
// A URL is a secret: where its value is hidden (a preview), the rule reads the URL's shape
// from the parameter's description (database.URLDescription).
func checkDatabaseTLS(g *Graph) (int, []Finding) {
	checked, fs := eachContainer(g, func(c Container) string {
		db := false
		for _, s := range c.Secrets {
			db = db || s.Name == "DATABASE_URL" || s.Name == "DATABASE_READER_URL" || strings.HasPrefix(s.Name, "PG")
		}
		if !db {
			return ""
		}
		env := map[string]string{}
		for _, e := range c.Environment {
			env[e.Name] = e.Value
		}
		bundle := env["PGSSLROOTCERT"]
		if bundle == "" {
			return "gets database credentials without PGSSLROOTCERT naming the CA bundle"
		}
		want := database.TLSEnvironment(bundle)
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if env[k] != want[k] {
				return fmt.Sprintf("gets database credentials with %s %q; want %q", k, env[k], want[k])
			}
		}
		return ""
	})
	for _, p := range g.OfType("aws:ssm/parameter:Parameter") {
		// A hidden value is not an unknown to report: the description stands in for it.
		text := ""
		if !p.InUnknown("value") {
			text = p.In("value").Str()
		}
		if !hasPostgresURL(text) {
			text = g.In(p, "description").Str()
		}
		if !hasPostgresURL(text) {
			continue
		}
		checked++
		if problem := postgresURLProblem(text); problem != "" {
			fs = append(fs, g.finding(p, "%s", problem))
		}
	}
	return checked, fs
}

// postgresURL finds a PostgreSQL URL in a parameter's value or description.
var postgresURL = regexp.MustCompile(`postgres(?:ql)?://\S+`)

func hasPostgresURL(s string) bool { return postgresURL.MatchString(s) }

// postgresURLProblem says what is wrong with the first PostgreSQL URL in text, never
// quoting it (it may hold a password).
func postgresURLProblem(text string) string {
	u, err := url.Parse(postgresURL.FindString(text))
	if err != nil {
		return "holds a PostgreSQL URL that does not parse"
	}
	q := u.Query()
	if q.Get("sslmode") != "verify-full" {
		return fmt.Sprintf("holds a PostgreSQL URL with sslmode %q; want verify-full", q.Get("sslmode"))
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(database.URLParameters, k) {
			return fmt.Sprintf("holds a PostgreSQL URL with parameter %s, which libpq refuses and postgres.js sends to the server; allowed: %s", k, strings.Join(database.URLParameters, ", "))
		}
	}
	return ""
}
