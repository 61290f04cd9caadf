// Package monitoring watches the running shop: [Alarms] creates a KMS-encrypted SNS topic
// (with an optional email subscription) and the CloudWatch alarms on the ECS services, the
// load balancer, the Aurora cluster and the WAF, each sending its alarm and its recovery
// to the topic; [Dashboard] draws the same metrics on one CloudWatch dashboard.
//
// Both take a [Targets] value naming the monitored resources, so every metric is bound to
// the identifiers of the real resources (load balancer and target group ARN suffixes, ECS
// cluster and service names, the DB cluster identifier, the web ACL name).
package monitoring
