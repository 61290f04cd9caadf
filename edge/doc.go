// Package edge builds what stands between the internet and the load balancer: the WAF
// web ACL ([WebAcl]) with AWS managed rule groups, a per-IP rate limit, optional geo
// blocking and IP allow and block lists, and its logging; and the CloudFront distribution
// ([Cdn]) that serves the site from an internal load balancer through a VPC origin and
// its static assets from a private S3 bucket.
//
// The web ACL is regional and associated with the load balancer by default; with the
// CLOUDFRONT scope it is created in us-east-1 and the distribution attaches it.
//
// The web ACL is kept under 1,500 web ACL capacity units (WCUs), the capacity the basic
// web ACL price includes; [Capacity] computes the total from the table in [ManagedRuleGroupWCU]
// and the per-statement costs.
package edge
