// Package network builds the web shop's VPC: public and private subnets in pinned
// availability zones, the internet gateway, NAT gateways or self-healing NAT instances
// by strategy, the S3 gateway
// endpoint and optional interface endpoints, VPC flow logs, and a locked-down default
// security group.
package network
