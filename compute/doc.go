// Package compute runs the web shop's containers: the internal Application Load Balancer
// behind the CloudFront distribution ([LoadBalancer]), the ECS cluster with its Fargate capacity providers and
// ECS Exec session logging ([Cluster]), and one [Service] per configured service (web,
// api, ...) with its ECR repository, task definition, IAM roles, security group and
// autoscaling.
//
// Components take plain inputs (ids, ARNs and their settings), not other components, so
// that compute builds and tests on its own. Each component's settings type
// ([ClusterSettings], [LoadBalancerSettings], [ServiceSettings]) holds its schema, its
// production-safe defaults and a Check that names every bad value by its config key;
// package config reads them from the stack and adds the checks that span keys.
package compute
