// Package database builds the web shop's Aurora PostgreSQL 17 Serverless v2 cluster and
// the SSM parameters the containers read it through.
//
// [NewCluster] creates, under one ecsite:database:Cluster component: a customer-managed
// KMS key (storage, Performance Insights, SecureStrings), a DB subnet group on the
// private subnets, a security group with no rules until [Cluster.AllowFrom] opens 5432
// to a given security group, a cluster parameter group, the cluster with its
// db.serverless instances spread over the availability zones (the first is the writer),
// the PostgreSQL log group, the enhanced-monitoring role when enabled, a random master
// password and JWT secret, and the SSM parameters under /<project>/<environment>/.
//
// Drift guards keep AWS-side changes from turning into replacements or downgrades: the
// engine version AWS upgrades to and the availability zones AWS reports are ignored,
// and the cluster and its key are protected where the stack asks for it. See the README
// section "Database upgrades and drift guards".
package database
