package policy

import (
	"fmt"
	"strings"
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
// libpq and Node verify the server's certificate.
func checkDatabaseTLS(g *Graph) (int, []Finding) {
	return eachContainer(g, func(c Container) string {
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
		switch {
		case env["PGSSLMODE"] != "verify-full":
			return fmt.Sprintf("gets database credentials with PGSSLMODE %q; want verify-full", env["PGSSLMODE"])
		case env["PGSSLROOTCERT"] == "" || env["NODE_EXTRA_CA_CERTS"] != env["PGSSLROOTCERT"]:
			return "gets database credentials without PGSSLROOTCERT and NODE_EXTRA_CA_CERTS naming the CA bundle"
		}
		return ""
	})
}
