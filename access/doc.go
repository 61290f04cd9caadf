// Package access gives operators a way into the private network without opening it:
// [Bastion] is an optional Graviton EC2 instance in a private subnet that accepts no
// inbound traffic at all. Operators reach it through AWS Systems Manager Session Manager
// and forward a local port to the Aurora writer endpoint, so `psql -h localhost` reaches
// the database; the component outputs the exact `aws ssm start-session` command.
package access
