// Package edge builds what stands between the internet and the load balancer: the
// regional WAF web ACL ([WebAcl]) with AWS managed rule groups, a per-IP rate limit,
// optional geo blocking and IP allow and block lists, and its logging.
//
// The web ACL is kept under 1,500 web ACL capacity units (WCUs), the capacity the basic
// web ACL price includes; [Capacity] computes the total from the table in [ManagedRuleGroupWCU]
// and the per-statement costs.
package edge
