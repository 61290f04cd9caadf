package cost

import (
	"fmt"
	"sort"
)

// PricesRead is the date every price in [Tokyo] was read.
const PricesRead = "2026-11-22"

// Price is one list price in USD.
type Price struct {
	// Key names the price in the estimator ("nat.hour").
	Key string
	// USD is the price.
	USD float64
	// Unit says what one USD figure buys ("per NAT gateway-hour").
	Unit string
	// Source is where the figure was read.
	Source string
	// Confirmed is false when the search could not confirm the Tokyo figure; Note then
	// says what was found instead.
	Confirmed bool
	// Note qualifies the figure.
	Note string
}

const (
	srcClassmethodNAT = "https://dev.classmethod.jp/articles/reduce-unnecessary-costs-for-nat-gateway/"
	srcPrivateLink    = "https://aws.amazon.com/privatelink/pricing/"
	srcELBJa          = "https://aws.darcy-it.com/elb%E3%81%AE%E3%82%B3%E3%82%B9%E3%83%88%E6%96%99%E9%87%91/"
	srcFargateJa      = "https://www.clyr.co.jp/posts/aws-fargate-pricing-breakdown-estimate-tips-3920"
	srcFargateSpot    = "https://opsani.com/resources/how-to-take-advantage-of-aws-fargate-pricing/"
	srcFargateArm     = "https://vantage.sh/blog/fargate-pricing"
	srcAuroraACU      = "https://qiita.com/panda_ebarou/items/ba64bb7f0cad524d7734"
	srcAuroraStorage  = "https://zenn.dev/hiren/scraps/61f3ea2d8f72b3"
	srcAuroraBilling  = "https://docs.aws.amazon.com/ja_jp/AmazonRDS/latest/AuroraUserGuide/User_DBInstanceBilling.html"
	srcWAF            = "https://aws.amazon.com/blogs/networking-and-content-delivery/cost-effective-ways-for-securing-your-web-applications-using-aws-waf/"
	srcWAFFigures     = "https://c3x.dev/blog/aws-waf-cost-explained/"
	srcVendedLogs     = "https://tech.enechange.co.jp/entry/2023/02/07/170405"
	srcCloudWatch     = "https://aws.amazon.com/cloudwatch/pricing/"
	srcCWFigures      = "https://signoz.io/guides/cloudwatch-pricing"
	srcIPv4           = "https://www.doit.com/aws-public-ipv4-price-increase-the-complete-guide/"
	srcGp3Tokyo       = "https://qiita.com/tsukamoto/items/bd6b7cbf164e71beeba2"
	srcCloudFront     = "https://aws.amazon.com/cloudfront/pricing/"
	srcCWLogsTokyo    = "https://awsi.click/en/articles/cloudwatch-logs-cost-structure-surprise/"
	srcCWMetricsTokyo = "https://jpdebug.com/p/3450502"
	srcSpotAWS        = "https://docs.aws.amazon.com/cdk/api/latest/docs/@aws-cdk_aws-batch.ComputeResourceType.html"
	srcS3Tokyo        = "https://github.com/nishinoshake/aws-rough/blob/10acdc26251cadbf243d229647dfbd177a295775/static/json/price.json"
)

// Tokyo is the price table of ap-northeast-1, the single place prices live. Figures
// marked unconfirmed are the estimator's working values: the search found no Tokyo
// source for them, and their notes say so.
var Tokyo = []Price{
	{Key: "month.hours", USD: 730, Unit: "hours in a billing month (AWS's convention)", Source: srcAuroraStorage, Confirmed: true, Note: "the page notes AWS's calculators use 730 hours"},

	{Key: "nat.hour", USD: 0.062, Unit: "per NAT gateway-hour", Source: srcClassmethodNAT, Confirmed: true, Note: "Tokyo figure quoted by Classmethod (2020-06-08); the stored AWS VPC pricing page shows the model but not the figure"},
	{Key: "nat.gb", USD: 0.062, Unit: "per GB processed by a NAT gateway", Source: srcClassmethodNAT, Confirmed: true, Note: "as above"},
	{Key: "endpoint.azHour", USD: 0.014, Unit: "per interface endpoint per AZ-hour", Source: srcPrivateLink, Confirmed: false, Note: "NOT CONFIRMED for Tokyo: the AWS page found gives the billing model only; the one figure found ($0.01) is us-east-1"},
	{Key: "endpoint.gb", USD: 0.01, Unit: "per GB processed by an interface endpoint", Source: srcPrivateLink, Confirmed: false, Note: "NOT CONFIRMED for Tokyo (us-east-1 figure)"},
	{Key: "ipv4.hour", USD: 0.005, Unit: "per public IPv4 address-hour (EIPs, ALB nodes)", Source: srcIPv4, Confirmed: true, Note: "same in every region since 2024-02-01"},

	{Key: "alb.hour", USD: 0.0243, Unit: "per ALB-hour", Source: srcELBJa, Confirmed: true, Note: "Japanese page; it does not name the region, and the figure differs from us-east-1's $0.0225, consistent with Tokyo"},
	{Key: "alb.lcuHour", USD: 0.008, Unit: "per LCU-hour", Source: srcELBJa, Confirmed: true, Note: "as above"},

	{Key: "fargate.vcpuHour", USD: 0.05056, Unit: "per vCPU-hour (Linux/x86, on-demand)", Source: srcFargateJa, Confirmed: true, Note: "ap-northeast-1 figure (2025-09); the stored aws.amazon.com/jp/fargate/pricing snapshot shows the superseded 2017 price $0.0632"},
	{Key: "fargate.gbHour", USD: 0.005536, Unit: "per GB-hour of task memory", Source: srcFargateJa, Confirmed: true, Note: "as above"},
	{Key: "fargate.armVcpuHour", USD: 0.04045, Unit: "per vCPU-hour (Linux/ARM64, on-demand)", Source: srcFargateArm, Confirmed: true, Note: "read 2026-12-02: Linux/ARM is 80% of Linux/x86 ($0.03238 vs $0.04048 in us-east-1); 80% of Tokyo's $0.05056"},
	{Key: "fargate.armGbHour", USD: 0.00442, Unit: "per GB-hour of task memory (Linux/ARM64)", Source: srcFargateArm, Confirmed: true, Note: "as above: 80% of Tokyo's $0.005536, rounded down as AWS lists it"},
	{Key: "fargate.spotDiscount", USD: 0.70, Unit: "share of the on-demand price Fargate Spot saves", Source: srcSpotAWS, Confirmed: false, Note: "NOT CONFIRMED for Tokyo (read 2026-12-02): AWS states Fargate Spot runs tasks 'at up to a 70% discount' and Spot prices float, so 70% is the upper bound and the Spot figures are the lowest they can be; " + srcFargateSpot + " gives the same figure"},

	{Key: "aurora.acuHour", USD: 0.20, Unit: "per Aurora Serverless v2 ACU-hour (Aurora Standard)", Source: srcAuroraACU, Confirmed: true, Note: "Tokyo figure quoted from the AWS Aurora pricing page"},
	{Key: "aurora.storageGBMonth", USD: 0.12, Unit: "per GB-month of cluster storage (Aurora Standard)", Source: srcAuroraStorage, Confirmed: true, Note: "the page does not name the region; its db.r6g.large figure ($0.313/h) is Tokyo's"},
	{Key: "aurora.ioMillion", USD: 0.24, Unit: "per million I/O requests (Aurora Standard)", Source: srcAuroraStorage, Confirmed: true, Note: "as above"},
	{Key: "aurora.backupGBMonth", USD: 0.023, Unit: "per GB-month of backup storage beyond 100% of the cluster's storage", Source: srcAuroraBilling, Confirmed: false, Note: "NOT CONFIRMED: the AWS page found describes the billing model (free up to the cluster size), not the Tokyo figure"},

	{Key: "logs.vendedS3GB", USD: 0.25, Unit: "per GB of vended logs delivered to S3 (us-east-1, first 10 TB)", Source: srcVendedLogs, Confirmed: false, Note: "NOT CONFIRMED: the source quotes AWS's Tokyo figure, $0.38, and us-east-1 at about 1/1.5 of it; CloudFront's standard logs are delivered from us-east-1"},

	{Key: "waf.aclMonth", USD: 5, Unit: "per web ACL-month", Source: srcWAF, Confirmed: true, Note: "AWS: WAF pricing is the same in every region; figures from " + srcWAFFigures},
	{Key: "waf.ruleMonth", USD: 1, Unit: "per rule or rule group-month", Source: srcWAF, Confirmed: true, Note: "as above"},
	{Key: "waf.millionRequests", USD: 0.60, Unit: "per million requests inspected", Source: srcWAF, Confirmed: true, Note: "as above"},

	{Key: "cloudfront.freeRequests", USD: 10_000_000, Unit: "HTTP or HTTPS requests a month in the always-free tier (a count, not dollars)", Source: srcCloudFront, Confirmed: true, Note: "read 2026-12-02: the always-free tier includes 10,000,000 HTTP or HTTPS requests and 1 TB of data transfer out per month, per account"},
	{Key: "cloudfront.freeGB", USD: 1024, Unit: "GB of data transfer out a month in the always-free tier (a quantity, not dollars)", Source: srcCloudFront, Confirmed: true, Note: "read 2026-12-02: 1 TB per month (taken as 1,024 GB)"},
	{Key: "cloudfront.jpGB", USD: 0.114, Unit: "per GB of data transfer out to the internet from Japan edge locations (first 10 TB a month)", Source: srcCloudFront, Confirmed: true, Note: "read 2026-12-02: Japan, first 10 TB, $0.114/GB (includes Japan consumption tax); next 40 TB $0.089, not modelled"},
	{Key: "cloudfront.jp10kHttpsRequests", USD: 0.012, Unit: "per 10,000 HTTPS requests at Japan edge locations", Source: srcCloudFront, Confirmed: false, Note: "NOT CONFIRMED (searched 2026-12-02): the stored pricing page shows the free tier and the data transfer table but not the request table; $0.0120 is the working value for Japan HTTPS requests"},

	{Key: "cw.alarmMetricMonth", USD: 0.10, Unit: "per standard-resolution alarm metric-month", Source: srcCloudWatch, Confirmed: false, Note: "NOT CONFIRMED for Tokyo (us-east-1 figure); account free tier (10 alarm metrics) not subtracted"},
	{Key: "cw.highResAlarmMetricMonth", USD: 0.30, Unit: "per high-resolution alarm metric-month", Source: srcCloudWatch, Confirmed: false, Note: "NOT CONFIRMED for Tokyo (us-east-1 figure)"},
	{Key: "cw.compositeAlarmMonth", USD: 0.50, Unit: "per composite alarm-month", Source: srcCloudWatch, Confirmed: false, Note: "NOT CONFIRMED for Tokyo (us-east-1 figure)"},
	{Key: "cw.dashboardMonth", USD: 3, Unit: "per dashboard-month", Source: srcCloudWatch, Confirmed: false, Note: "NOT CONFIRMED for Tokyo; the account's 3 free dashboards are not subtracted"},
	{Key: "cw.logIngestGB", USD: 0.76, Unit: "per GB of log data ingested", Source: srcCWLogsTokyo, Confirmed: true, Note: "read 2026-12-02: '$0.76 per GB in ap-northeast-1' (US East is $0.50); " + srcFargateJa + " quotes $0.77, an older figure"},
	{Key: "cw.logStoreGBMonth", USD: 0.033, Unit: "per GB-month of log storage", Source: srcCWLogsTokyo, Confirmed: true, Note: "read 2026-12-02: storage '$0.033 per GB per month' in ap-northeast-1"},
	{Key: "cw.customMetricMonth", USD: 0.30, Unit: "per custom metric-month (Container Insights metrics)", Source: srcCWMetricsTokyo, Confirmed: true, Note: "read 2026-12-02: a Tokyo bill line, '$0.30 per metric-month for the first 10,000 metrics - Asia Pacific (Tokyo)'; also " + srcCWFigures},

	{Key: "kms.keyMonth", USD: 1, Unit: "per customer-managed KMS key-month", Source: "https://aws.amazon.com/kms/pricing/", Confirmed: true, Note: "read 2026-12-02: 'Each AWS KMS key that you create in KMS costs $1/month'; each rotation's new key material adds $1/month (up to $2/month per key, not modelled); keys scheduled for deletion cost nothing"},
	{Key: "ssm.advancedParamMonth", USD: 0.05, Unit: "per advanced SSM parameter-month (standard parameters are free)", Source: "https://aws.amazon.com/systems-manager/pricing/", Confirmed: false, Note: "NOT CONFIRMED by search"},
	{Key: "ecr.gbMonth", USD: 0.10, Unit: "per GB-month of ECR image storage", Source: "https://aws.amazon.com/ecr/pricing/", Confirmed: false, Note: "NOT CONFIRMED by search"},
	{Key: "s3.gbMonth", USD: 0.025, Unit: "per GB-month of S3 Standard storage", Source: srcS3Tokyo, Confirmed: true, Note: "read 2026-12-02: a Tokyo price snapshot lists S3 Standard at $0.025/GB-month for the first 51,200 GB (undated; the AWS page found shows no figure)"},
	{Key: "ebs.gp3GBMonth", USD: 0.096, Unit: "per GB-month of gp3 volume", Source: srcGp3Tokyo, Confirmed: true, Note: "read 2026-12-02: the page lists gp3 storage at 0.096 USD/GB-month for Tokyo (its figure of 2021-06-01); the stored aws.amazon.com/jp/ebs/pricing snapshot shows the model but not the figure"},
	{Key: "ec2.t4g.nano", USD: 0.0054, Unit: "per t4g.nano instance-hour (Linux, on-demand; the NAT instances and the bastion)", Source: "https://aws.amazon.com/ec2/pricing/on-demand/", Confirmed: false, Note: "NOT CONFIRMED by search (searched again 2026-12-02: no stored page gives the Tokyo t4g.nano figure); the working value"},
	{Key: "ec2.t4g.micro", USD: 0.0108, Unit: "per t4g.micro instance-hour", Source: "https://aws.amazon.com/ec2/pricing/on-demand/", Confirmed: false, Note: "NOT CONFIRMED by search"},
	{Key: "ec2.t4g.small", USD: 0.0216, Unit: "per t4g.small instance-hour", Source: "https://aws.amazon.com/ec2/pricing/on-demand/", Confirmed: false, Note: "NOT CONFIRMED by search"},
}

// rates indexes a price table and remembers every key that was asked for but missing.
type rates struct {
	byKey   map[string]float64
	missing map[string]bool
}

func newRates(prices []Price) (*rates, error) {
	r := &rates{byKey: map[string]float64{}, missing: map[string]bool{}}
	for _, p := range prices {
		if _, dup := r.byKey[p.Key]; dup {
			return nil, fmt.Errorf("price %q listed twice", p.Key)
		}
		r.byKey[p.Key] = p.USD
	}
	return r, nil
}

// get returns the price of key, or 0 and records the key as missing.
func (r *rates) get(key string) float64 {
	v, ok := r.byKey[key]
	if !ok {
		r.missing[key] = true
	}
	return v
}

// has reports whether key is priced, without recording it as missing.
func (r *rates) has(key string) bool { _, ok := r.byKey[key]; return ok }

func (r *rates) err() error {
	if len(r.missing) == 0 {
		return nil
	}
	var keys []string
	for k := range r.missing {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Errorf("price table lacks %v", keys)
}
