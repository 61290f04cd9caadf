package policy

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/internal/mockengine"
)

// Rules returns the rule set in report order.
func Rules() []Rule {
	return []Rule{
		{ID: "ENC-RDS", Severity: High, Rationale: "Aurora storage, snapshots and replicas must be encrypted at rest.",
			Mirrors: "FSBP RDS.27; cdk-nag AwsSolutions-RDS2", Check: checkRDSEncrypted},
		{ID: "ENC-SSM", Severity: High, Rationale: "Secrets live in SecureString parameters under the stack's own KMS key, never as plain String.",
			Mirrors: "", Check: checkSSMEncrypted},
		{ID: "ENC-LOGS", Severity: Medium, Rationale: "Log groups receiving interactive session output (ECS Exec) are KMS-encrypted.",
			Mirrors: "cdk-nag NIST.800.53.R5-CloudWatchLogGroupEncrypted", Check: checkLogGroupsEncrypted},
		{ID: "ENC-S3", Severity: Medium, Rationale: "Every bucket states its server-side encryption explicitly.",
			Mirrors: "", Check: checkBucketEncryption},
		{ID: "S3-PUBLIC-BLOCK", Severity: High, Rationale: "Every bucket blocks public access: all four settings of its public access block are on.",
			Mirrors: "FSBP S3.8; cdk-nag AwsSolutions-S1 (in spirit)", Check: checkBucketPublicAccessBlock},
		{ID: "ENC-SNS", Severity: Medium, Rationale: "Alarm topics are encrypted with a KMS key.",
			Mirrors: "FSBP SNS.1; cdk-nag AwsSolutions-SNS2", Check: checkTopicEncrypted},
		{ID: "ALARM-DELIVERY", Severity: High, Rationale: "CloudWatch can deliver every alarm notification: each SNS topic an alarm notifies is encrypted with a customer managed key of the stack, in the topic's region, whose policy lets cloudwatch.amazonaws.com use it (kms:Decrypt, kms:GenerateDataKey*) for that alarm; otherwise the notification is dropped without an error.",
			Mirrors: "", Check: checkAlarmDelivery},
		{ID: "ENC-ECR", Severity: Low, Rationale: "Image repositories state their encryption (AES256 or KMS) explicitly.",
			Mirrors: "", Check: checkECREncrypted},
		{ID: "TLS-LISTENER", Severity: High, Rationale: "HTTPS listeners use a TLS 1.2+ policy; on an internet-facing load balancer plain HTTP only redirects to HTTPS (an internal one, reached only by CloudFront inside the VPC, may forward).",
			Mirrors: "FSBP ELB.1; cdk-nag NIST.800.53.R5-ALBHttpToHttpsRedirection", Check: checkListenersTLS},
		{ID: "TLS-CDN", Severity: High, Rationale: "CloudFront viewers use HTTPS: every cache behaviour redirects HTTP to HTTPS (or serves HTTPS only), and a custom certificate uses the TLSv1.2_2021 security policy or newer; the default *.cloudfront.net certificate is accepted.",
			Mirrors: "FSBP CloudFront.3, CloudFront.10; cdk-nag AwsSolutions-CFR4", Check: checkDistributionTLS},
		{ID: "CDN-WAF", Severity: High, Rationale: "Every CloudFront distribution is protected by a web ACL.",
			Mirrors: "FSBP CloudFront.6; cdk-nag AwsSolutions-CFR2", Check: checkDistributionWAF},
		{ID: "CDN-OAC", Severity: High, Rationale: "CloudFront reads S3 origins through origin access control, so the bucket needs no public access.",
			Mirrors: "FSBP CloudFront.13", Check: checkDistributionOAC},
		{ID: "EC2-IMDSV2", Severity: High, Rationale: "Instances and launch templates require IMDSv2 (session tokens) for the instance metadata service.",
			Mirrors: "FSBP EC2.8, EC2.170; cdk-nag AwsSolutions-EC29 (in spirit)", Check: checkIMDSv2},
		{ID: "EC2-EBS-ENC", Severity: High, Rationale: "The root and data volumes of instances and launch templates are encrypted.",
			Mirrors: "FSBP EC2.3; cdk-nag AwsSolutions-EC26", Check: checkVolumeEncryption},
		{ID: "TLS-BUCKET", Severity: High, Rationale: "Buckets deny requests that do not use TLS (aws:SecureTransport).",
			Mirrors: "FSBP S3.5; cdk-nag AwsSolutions-S10", Check: checkBucketTLS},
		{ID: "NET-OPEN-INGRESS", Severity: Critical, Rationale: "Nothing admits 0.0.0.0/0 or ::/0 except an internet-facing ALB on 80 and 443.",
			Mirrors: "FSBP EC2.18, EC2.19; cdk-nag AwsSolutions-EC23", Check: checkOpenIngress},
		{ID: "NET-ALB-INTERNAL", Severity: High, Rationale: "Load balancers are internal: the internet reaches the site only through CloudFront (and its web ACL), through a VPC origin.",
			Mirrors: "", Check: checkALBInternal},
		{ID: "NET-PUBLIC-IP", Severity: High, Rationale: "Tasks, instances (bastion included) and launch templates give no public IP address.",
			Mirrors: "FSBP ECS.2, EC2.9; cdk-nag NIST.800.53.R5-EC2InstanceNoPublicIp", Check: checkNoPublicIPs},
		{ID: "DB-PUBLIC", Severity: Critical, Rationale: "Database instances are not publicly accessible.",
			Mirrors: "FSBP RDS.2", Check: checkDBNotPublic},
		{ID: "LOG-FLOW", Severity: Medium, Rationale: "Every VPC records its flow logs.",
			Mirrors: "FSBP EC2.6; cdk-nag AwsSolutions-VPC7", Check: checkFlowLogs},
		{ID: "LOG-CONTAINER", Severity: Medium, Rationale: "Every container sends its output to a log driver.",
			Mirrors: "FSBP ECS.9", Check: checkContainerLogs},
		{ID: "LOG-WAF", Severity: Medium, Rationale: "Every web ACL logs the requests it inspects.",
			Mirrors: "FSBP WAF.11", Check: checkWAFLogging},
		{ID: "LOG-DB", Severity: Medium, Rationale: "Aurora clusters export their engine log to CloudWatch Logs.",
			Mirrors: "FSBP RDS.37 (Aurora PostgreSQL log export)", Check: checkDBLogs},
		{ID: "LOG-ALB", Severity: Medium, Rationale: "Load balancers write access logs to S3.",
			Mirrors: "FSBP ELB.5; cdk-nag AwsSolutions-ELB2", Check: checkALBLogs},
		{ID: "PROT-DB", Severity: High, Rationale: "The database cannot be deleted by accident: deletion protection, a final snapshot and Pulumi protect.",
			Mirrors: "FSBP RDS.7; cdk-nag AwsSolutions-RDS10", Check: checkDBProtected},
		{ID: "PROT-ALB", Severity: Medium, Rationale: "Load balancers have deletion protection.",
			Mirrors: "FSBP ELB.6; cdk-nag NIST.800.53.R5-ELBDeletionProtectionEnabled", Check: checkALBProtected},
		{ID: "BACKUP-RETENTION", Severity: High, Rationale: "Automated backups are kept at least 7 days.",
			Mirrors: "FSBP RDS.11 (its instance-level analogue)", Check: checkBackupRetention},
		{ID: "IAM-WILDCARD", Severity: Critical, Rationale: "No identity policy allows action * on resource *, and no role holds AdministratorAccess.",
			Mirrors: "FSBP IAM.1; cdk-nag NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess", Check: checkIAMWildcard},
		{ID: "IAM-PARAM-SCOPE", Severity: High, Rationale: "Roles read parameters only under /<project>/<environment>/ and decrypt only named keys.",
			Mirrors: "cdk-nag AwsSolutions-IAM5 (in spirit)", Check: checkParameterScope},
		{ID: "ECS-INSIGHTS", Severity: Low, Rationale: "ECS clusters have Container Insights on.",
			Mirrors: "FSBP ECS.12; cdk-nag AwsSolutions-ECS4", Check: checkContainerInsights},
		{ID: "DB-TLS-VERIFY", Severity: High, Rationale: "A container given database credentials verifies the server: PGSSLMODE=verify-full with PGSSLROOTCERT and NODE_EXTRA_CA_CERTS naming the CA bundle.",
			Mirrors: "", Check: checkDatabaseTLS},
		{ID: "ECS-READONLY-ROOT", Severity: Medium, Rationale: "Containers run with a read-only root filesystem.",
			Mirrors: "FSBP ECS.5", Check: checkReadOnlyRoot},
		{ID: "TAG-COST", Severity: Low, Rationale: "Every AWS resource gets the cost tags (project, environment, cost-center, managed-by) through its provider's default tags.",
			Mirrors: "", Check: checkCostTags},
		{ID: "NAME-LENGTH", Severity: High, Rationale: "Physical names fit AWS's length limits, so a deployment does not fail half-way.",
			Mirrors: "", Check: checkNameLengths},
	}
}

func checkRDSEncrypted(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:rds/cluster:Cluster", "aws:rds/instance:Instance")
	for _, r := range rs {
		if !g.In(r, "storageEncrypted").Bool() {
			fs = append(fs, g.finding(r, "storageEncrypted is not true"))
		}
	}
	return len(rs), fs
}

// secretName matches parameter names that hold credentials.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|DSN|_URL|_URI)$`)

func checkSSMEncrypted(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:ssm/parameter:Parameter")
	for _, r := range rs {
		name := g.name(r, "name")
		switch g.In(r, "type").Str() {
		case "SecureString":
			if g.In(r, "keyId").Null() || g.In(r, "keyId").Str() == "" {
				fs = append(fs, g.finding(r, "SecureString without keyId uses the account's default aws/ssm key"))
			}
		default:
			// The provider marks every parameter value secret in state, so secret-ness
			// cannot tell; the name does.
			if secretName.MatchString(name) {
				fs = append(fs, g.finding(r, "%s holds a credential but is a plain %s", name, g.In(r, "type").Str()))
			}
		}
	}
	return len(rs), fs
}

// checkLogGroupsEncrypted applies to the log groups the ECS clusters send ECS Exec
// sessions to: their output can contain anything an operator typed or printed.
func checkLogGroupsEncrypted(g *Graph) (int, []Finding) {
	sessionGroups := map[string]bool{}
	for _, c := range g.OfType("aws:ecs/cluster:Cluster") {
		if n := g.In(c, "configuration.executeCommandConfiguration.logConfiguration.cloudWatchLogGroupName").Str(); n != "" {
			sessionGroups[n] = true
		}
	}
	checked := 0
	var fs []Finding
	for _, r := range g.OfType("aws:cloudwatch/logGroup:LogGroup") {
		if !sessionGroups[g.name(r, "name")] {
			continue
		}
		checked++
		if g.In(r, "kmsKeyId").Str() == "" {
			fs = append(fs, g.finding(r, "ECS Exec session log group %q has no kmsKeyId", g.name(r, "name")))
		}
	}
	return checked, fs
}

var bucketTypes = []string{"aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"}

func checkBucketEncryption(g *Graph) (int, []Finding) {
	var fs []Finding
	buckets := g.OfType(bucketTypes...)
	configs := g.OfType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
		"aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
	for _, b := range buckets {
		if !g.In(b, "serverSideEncryptionConfiguration").Null() {
			continue // legacy inline configuration
		}
		ok := false
		for _, c := range configs {
			if g.refersTo(g.In(c, "bucket").Str(), b, "bucket") && g.In(c, "rules").Len() > 0 {
				ok = true
			}
		}
		if !ok {
			fs = append(fs, g.finding(b, "no server-side encryption configuration"))
		}
	}
	return len(buckets), fs
}

func checkTopicEncrypted(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:sns/topic:Topic")
	for _, r := range rs {
		if g.In(r, "kmsMasterKeyId").Str() == "" {
			fs = append(fs, g.finding(r, "no kmsMasterKeyId"))
		}
	}
	return len(rs), fs
}

func checkECREncrypted(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:ecr/repository:Repository")
	for _, r := range rs {
		t := g.In(r, "encryptionConfigurations[0].encryptionType").Str()
		if t != "AES256" && t != "KMS" {
			fs = append(fs, g.finding(r, "no explicit encryptionConfigurations (AES256 or KMS)"))
		}
	}
	return len(rs), fs
}

// tlsPolicy matches the ELB security policies that allow only TLS 1.2 and newer.
var tlsPolicy = regexp.MustCompile(`^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)`)

func checkListenersTLS(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:lb/listener:Listener")
	internal := map[string]bool{} // ids and ARNs of internal load balancers
	for _, lb := range g.OfType("aws:lb/loadBalancer:LoadBalancer") {
		if g.In(lb, "internal").Bool() {
			internal[lb.ID] = true
			if arn := lb.Out("arn").Str(); arn != "" {
				internal[arn] = true
			}
		}
	}
	for _, r := range rs {
		if strings.ToUpper(g.In(r, "protocol").Str()) == "HTTP" && internal[g.In(r, "loadBalancerArn").Str()] {
			continue // reached only from inside the VPC (CloudFront's VPC origin)
		}
		switch strings.ToUpper(g.In(r, "protocol").Str()) {
		case "HTTPS", "TLS":
			if p := g.In(r, "sslPolicy").Str(); !tlsPolicy.MatchString(p) {
				fs = append(fs, g.finding(r, "port %v uses TLS policy %q, not a TLS 1.2+ policy", g.In(r, "port").Num(), p))
			}
			if g.In(r, "certificateArn").Str() == "" {
				fs = append(fs, g.finding(r, "port %v has no certificate", g.In(r, "port").Num()))
			}
		default:
			actions := g.In(r, "defaultActions")
			for i := 0; i < actions.Len(); i++ {
				a := fmt.Sprintf("defaultActions[%d].", i)
				if g.In(r, a+"type").Str() != "redirect" || strings.ToUpper(g.In(r, a+"redirect.protocol").Str()) != "HTTPS" {
					fs = append(fs, g.finding(r, "plain %s listener on port %v does %q instead of redirecting to HTTPS",
						g.In(r, "protocol").Str(), g.In(r, "port").Num(), g.In(r, a+"type").Str()))
				}
			}
			if actions.Len() == 0 {
				fs = append(fs, g.finding(r, "plain listener without a redirect"))
			}
		}
	}
	return len(rs), fs
}

// viewerTLSPolicy matches the CloudFront viewer security policies of TLS 1.2 and newer
// with forward-secret ciphers only
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html).
var viewerTLSPolicy = regexp.MustCompile(`^TLSv1\.(2_2021|2_2025|3_2025)$`)

func checkDistributionTLS(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:cloudfront/distribution:Distribution")
	for _, r := range rs {
		behaviours := []string{"defaultCacheBehavior"}
		for i := 0; i < g.In(r, "orderedCacheBehaviors").Len(); i++ {
			behaviours = append(behaviours, fmt.Sprintf("orderedCacheBehaviors[%d]", i))
		}
		for _, b := range behaviours {
			switch p := g.In(r, b+".viewerProtocolPolicy").Str(); p {
			case "redirect-to-https", "https-only":
			default:
				fs = append(fs, g.finding(r, "%s lets viewers use plain HTTP (viewerProtocolPolicy %q)", b, p))
			}
		}
		if g.In(r, "viewerCertificate.cloudfrontDefaultCertificate").Bool() {
			continue
		}
		if p := g.In(r, "viewerCertificate.minimumProtocolVersion").Str(); !viewerTLSPolicy.MatchString(p) {
			fs = append(fs, g.finding(r, "custom certificate with viewer security policy %q; use TLSv1.2_2021 or newer", p))
		}
	}
	return len(rs), fs
}

func checkDistributionWAF(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:cloudfront/distribution:Distribution")
	for _, r := range rs {
		if g.In(r, "webAclId").Str() == "" {
			fs = append(fs, g.finding(r, "no web ACL (webAclId); set waf.enabled: true"))
		}
	}
	return len(rs), fs
}

func checkBucketPublicAccessBlock(g *Graph) (int, []Finding) {
	var fs []Finding
	buckets := g.OfType(bucketTypes...)
	blocks := g.OfType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
	for _, b := range buckets {
		ok := false
		for _, pab := range blocks {
			if !g.refersTo(g.In(pab, "bucket").Str(), b, "bucket") {
				continue
			}
			all := true
			for _, f := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if !g.In(pab, f).Bool() {
					all = false
				}
			}
			ok = ok || all
		}
		if !ok {
			fs = append(fs, g.finding(b, "no public access block with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true"))
		}
	}
	return len(buckets), fs
}

func checkALBInternal(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:lb/loadBalancer:LoadBalancer")
	for _, r := range rs {
		if !g.In(r, "internal").Bool() {
			fs = append(fs, g.finding(r, "is internet-facing; make it internal behind the CloudFront VPC origin"))
		}
	}
	return len(rs), fs
}

// deniesInsecureTransport reports whether a policy document denies requests made
// without TLS.
func deniesInsecureTransport(doc string) bool {
	sts, err := ParseDocument(doc)
	if err != nil {
		return false
	}
	for _, s := range sts {
		if s.Effect != "Deny" {
			continue
		}
		for _, cond := range s.Condition {
			for k, v := range cond {
				if strings.EqualFold(k, "aws:SecureTransport") && strings.EqualFold(fmt.Sprint(v), "false") {
					return true
				}
			}
		}
	}
	return false
}

func checkBucketTLS(g *Graph) (int, []Finding) {
	var fs []Finding
	buckets := g.OfType(bucketTypes...)
	policies := g.OfType("aws:s3/bucketPolicy:BucketPolicy")
	for _, b := range buckets {
		ok := deniesInsecureTransport(g.In(b, "policy").Str())
		for _, p := range policies {
			if g.refersTo(g.In(p, "bucket").Str(), b, "bucket") && deniesInsecureTransport(g.In(p, "policy").Str()) {
				ok = true
			}
		}
		if !ok {
			fs = append(fs, g.finding(b, "no bucket policy denying aws:SecureTransport=false"))
		}
	}
	return len(buckets), fs
}

func isAnywhere(cidr string) bool { return cidr == "0.0.0.0/0" || cidr == "::/0" }

func checkOpenIngress(g *Graph) (int, []Finding) {
	albGroups := map[string]bool{}
	var albUnknown []string // the load balancers' unknown inputs, which decide the web exemption
	for _, lb := range g.OfType("aws:lb/loadBalancer:LoadBalancer") {
		from := g.windowLen()
		internal := g.In(lb, "internal").Bool()
		t := g.In(lb, "loadBalancerType").Str()
		ids := g.In(lb, "securityGroups").Strs()
		for _, rd := range g.windowSince(from) {
			albUnknown = append(albUnknown, qualified(rd, ""))
		}
		if internal || t != "" && t != "application" {
			continue
		}
		for _, id := range ids {
			albGroups[id] = true
		}
	}
	var fs []Finding
	checked := 0
	flows := g.Flows()
	// Egress rules do not concern this rule, and each finding is attributed the unknown
	// inputs of its own flow rather than those read before it.
	g.forget("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
	g.mark()
	for _, f := range flows {
		if f.Direction != "ingress" {
			continue
		}
		checked++
		if f.PeerIsGroup || !isAnywhere(f.Peer) {
			continue
		}
		web := !f.AllPorts() && f.Protocol == "tcp" && f.From == f.To && (f.From == 80 || f.From == 443)
		if albGroups[f.Group] && web {
			continue
		}
		parts := strings.SplitN(f.Source, " ", 2)
		fd := Finding{Type: parts[0], Name: parts[1],
			Message: fmt.Sprintf("security group %s admits %s on %s/%s", f.Group, f.Peer, f.Protocol, f.Ports())}
		// Which group the rule belongs to matters only for the ALB's web ports.
		for _, u := range f.unknown {
			if web || !(u == "securityGroupId" || u == "id") {
				fd.undecided = append(fd.undecided, u)
			}
		}
		if web {
			fd.undecided = append(fd.undecided, albUnknown...)
		}
		fs = append(fs, fd)
	}
	return checked, fs
}

func checkNoPublicIPs(g *Graph) (int, []Finding) {
	var fs []Finding
	checked := 0
	for _, s := range g.OfType("aws:ecs/service:Service") {
		checked++
		if g.In(s, "networkConfiguration.assignPublicIp").Bool() {
			fs = append(fs, g.finding(s, "networkConfiguration.assignPublicIp is true"))
		}
	}
	for _, i := range g.OfType("aws:ec2/instance:Instance") {
		checked++
		v := g.In(i, "associatePublicIpAddress")
		if v.Bool() {
			fs = append(fs, g.finding(i, "associatePublicIpAddress is true"))
			continue
		}
		if sub := g.ByID(g.In(i, "subnetId").Str()); v.Null() && sub != nil && g.In(sub, "mapPublicIpOnLaunch").Bool() {
			fs = append(fs, g.finding(i, "placed in subnet %s, which maps public IPs on launch", sub.Name))
		}
	}
	// Instances an Auto Scaling group launches get what their launch template's network
	// interfaces ask for (associatePublicIpAddress is a string there).
	for _, lt := range g.OfType("aws:ec2/launchTemplate:LaunchTemplate") {
		checked++
		for i := 0; i < g.In(lt, "networkInterfaces").Len(); i++ {
			if v := g.In(lt, fmt.Sprintf("networkInterfaces[%d].associatePublicIpAddress", i)); v.Str() == "true" || v.Bool() {
				fs = append(fs, g.finding(lt, "networkInterfaces[%d].associatePublicIpAddress is true", i))
			}
		}
	}
	return checked, fs
}

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

func checkFlowLogs(g *Graph) (int, []Finding) {
	var fs []Finding
	vpcs := g.OfType("aws:ec2/vpc:Vpc")
	for _, v := range vpcs {
		ok := false
		for _, f := range g.OfType("aws:ec2/flowLog:FlowLog") {
			ok = ok || g.refersTo(g.In(f, "vpcId").Str(), v)
		}
		if !ok {
			fs = append(fs, g.finding(v, "no flow log"))
		}
	}
	return len(vpcs), fs
}

// container is the part of an ECS container definition the rules read.
type container struct {
	Name                   string `json:"name"`
	ReadonlyRootFilesystem *bool  `json:"readonlyRootFilesystem"`
	Environment            []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"environment"`
	Secrets []struct {
		Name string `json:"name"`
	} `json:"secrets"`
	LogConfiguration *struct {
		LogDriver string `json:"logDriver"`
	} `json:"logConfiguration"`
}

func (g *Graph) containers(td *mockengine.Resource) ([]container, error) {
	var cs []container
	err := json.Unmarshal([]byte(g.In(td, "containerDefinitions").Str()), &cs)
	return cs, err
}

// eachContainer runs check on every container of every task definition; check returns
// what is wrong with the container, or "" when nothing is.
func eachContainer(g *Graph, check func(c container) string) (int, []Finding) {
	var fs []Finding
	checked := 0
	for _, td := range g.OfType("aws:ecs/taskDefinition:TaskDefinition") {
		cs, err := g.containers(td)
		if g.In(td, "containerDefinitions").Unknown() {
			g.mark()
			continue // recorded as unknown by the read
		}
		if err != nil {
			fs = append(fs, g.finding(td, "containerDefinitions unreadable: %v", err))
			continue
		}
		for _, c := range cs {
			checked++
			if problem := check(c); problem != "" {
				fs = append(fs, g.finding(td, "container %q %s", c.Name, problem))
			}
		}
	}
	return checked, fs
}

func checkContainerLogs(g *Graph) (int, []Finding) {
	return eachContainer(g, func(c container) string {
		if c.LogConfiguration == nil || c.LogConfiguration.LogDriver == "" {
			return "has no logConfiguration"
		}
		return ""
	})
}

func checkReadOnlyRoot(g *Graph) (int, []Finding) {
	return eachContainer(g, func(c container) string {
		if c.ReadonlyRootFilesystem == nil || !*c.ReadonlyRootFilesystem {
			return "has a writable root filesystem"
		}
		return ""
	})
}

func checkWAFLogging(g *Graph) (int, []Finding) {
	var fs []Finding
	acls := g.OfType("aws:wafv2/webAcl:WebAcl")
	for _, a := range acls {
		ok := false
		for _, l := range g.OfType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration") {
			ok = ok || g.refersTo(g.In(l, "resourceArn").Str(), a) && g.In(l, "logDestinationConfigs").Len() > 0
		}
		if !ok {
			fs = append(fs, g.finding(a, "no logging configuration"))
		}
	}
	return len(acls), fs
}

func checkDBLogs(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:rds/cluster:Cluster")
	for _, r := range rs {
		exports := g.In(r, "enabledCloudwatchLogsExports").Strs()
		want := "postgresql"
		if !strings.Contains(g.In(r, "engine").Str(), "postgres") {
			want = ""
		}
		ok := len(exports) > 0
		if want != "" {
			ok = false
			for _, e := range exports {
				ok = ok || e == want
			}
		}
		if !ok {
			fs = append(fs, g.finding(r, "enabledCloudwatchLogsExports %v lacks %q", exports, want))
		}
	}
	return len(rs), fs
}

func checkALBLogs(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:lb/loadBalancer:LoadBalancer")
	for _, r := range rs {
		if !g.In(r, "accessLogs.enabled").Bool() || g.In(r, "accessLogs.bucket").Str() == "" {
			fs = append(fs, g.finding(r, "access logs are not enabled"))
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

func checkALBProtected(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:lb/loadBalancer:LoadBalancer")
	for _, r := range rs {
		if !g.In(r, "enableDeletionProtection").Bool() {
			fs = append(fs, g.finding(r, "enableDeletionProtection is not true"))
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

func checkIAMWildcard(g *Graph) (int, []Finding) {
	var fs []Finding
	policies := g.identityPolicies()
	for _, p := range policies {
		if p.Unknown {
			continue // recorded as unknown by the read
		}
		sts, err := ParseDocument(p.Doc)
		if err != nil {
			fs = append(fs, g.finding(p.Owner, "policy document unreadable: %v", err))
			continue
		}
		for _, s := range sts {
			if s.Effect != "Allow" {
				continue
			}
			allActions := len(s.NotAction) > 0
			for _, a := range s.Action {
				allActions = allActions || a == "*" || a == "*:*"
			}
			allResources := false
			for _, r := range s.Resources() {
				allResources = allResources || r == "*"
			}
			if allActions && allResources {
				fs = append(fs, g.finding(p.Owner, "allows every action on every resource"))
			}
		}
	}
	admin := func(arn string) bool { return strings.HasSuffix(arn, ":policy/AdministratorAccess") }
	checked := len(policies)
	for _, a := range g.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		checked++
		if admin(g.In(a, "policyArn").Str()) {
			fs = append(fs, g.finding(a, "attaches AdministratorAccess"))
		}
	}
	for _, r := range g.OfType("aws:iam/role:Role") {
		for _, arn := range g.In(r, "managedPolicyArns").Strs() {
			checked++
			if admin(arn) {
				fs = append(fs, g.finding(r, "holds AdministratorAccess"))
			}
		}
	}
	return checked, fs
}

// parameterReads and keyDecrypts are the actions IAM-PARAM-SCOPE guards.
var (
	parameterReads = []string{"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"}
	keyDecrypts    = []string{"kms:Decrypt"}
)

// grantsAction reports whether a policy action, which may use IAM's * and ? wildcards
// ("ssm:Get*", "kms:Decrypt*"), grants one of actions. Action names are case-insensitive.
func grantsAction(pattern string, actions []string) bool {
	for _, a := range actions {
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(a)); ok {
			return true
		}
	}
	return false
}

// excludesAll reports whether the NotAction patterns notActions cover every one of actions.
func excludesAll(notActions, actions []string) bool {
	for _, a := range actions {
		excluded := false
		for _, n := range notActions {
			excluded = excluded || grantsAction(n, []string{a})
		}
		if !excluded {
			return false
		}
	}
	return true
}

// mayName reports whether a policy resource (possibly a wildcard pattern) can match ARNs
// of service: "*", "arn:*", or an ARN pattern whose service field matches.
func mayName(resource, service string) bool {
	if resource == "*" {
		return true
	}
	parts := strings.SplitN(resource, ":", 4)
	if len(parts) < 3 {
		return strings.Contains(resource, "*")
	}
	ok, _ := path.Match(parts[2], service)
	return ok
}

// namedKey matches the ARN of one KMS key, with no wildcard.
var namedKey = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)

func checkParameterScope(g *Graph) (int, []Finding) {
	prefix := ":parameter/" + g.Project + "/" + g.Environment() + "/"
	inPath := func(arn string) bool {
		i := strings.Index(arn, ":parameter/")
		return strings.HasPrefix(arn, "arn:aws:ssm:") && i >= 0 && strings.HasPrefix(arn[i:], prefix)
	}
	var fs []Finding
	checked := 0
	for _, p := range g.identityPolicies() {
		sts, err := ParseDocument(p.Doc)
		if p.Unknown || err != nil {
			continue // unknown (recorded by the read), or unreadable (IAM-WILDCARD reports it)
		}
		for _, s := range sts {
			if s.Effect != "Allow" {
				continue
			}
			params, keys := false, false
			for _, a := range s.Action {
				params = params || grantsAction(a, parameterReads)
				keys = keys || grantsAction(a, keyDecrypts)
			}
			if len(s.NotAction) > 0 {
				// NotAction grants every action it does not list.
				params = params || !excludesAll(s.NotAction, parameterReads)
				keys = keys || !excludesAll(s.NotAction, keyDecrypts)
			}
			if !params && !keys {
				continue
			}
			checked++
			for _, r := range s.Resources() {
				if params && mayName(r, "ssm") && !inPath(r) {
					fs = append(fs, g.finding(p.Owner, "reads parameters outside /%s/%s/: %s", g.Project, g.Environment(), r))
				}
				if keys && mayName(r, "kms") && !namedKey.MatchString(r) {
					fs = append(fs, g.finding(p.Owner, "grants kms:Decrypt beyond named keys: %s", r))
				}
			}
		}
	}
	return checked, fs
}

func checkContainerInsights(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:ecs/cluster:Cluster")
	for _, r := range rs {
		on := false
		for i := 0; i < g.In(r, "settings").Len(); i++ {
			if g.In(r, fmt.Sprintf("settings[%d].name", i)).Str() == "containerInsights" {
				v := g.In(r, fmt.Sprintf("settings[%d].value", i)).Str()
				on = v == "enabled" || v == "enhanced"
			}
		}
		if !on {
			fs = append(fs, g.finding(r, "Container Insights is off"))
		}
	}
	return len(rs), fs
}

// CostTags are the tags every resource must carry.
var CostTags = []string{"project", "environment", "cost-center", "managed-by"}

func checkCostTags(g *Graph) (int, []Finding) {
	var fs []Finding
	checked := 0
	for _, r := range g.Resources() {
		if !r.Custom || !strings.HasPrefix(r.Type, "aws:") {
			continue
		}
		checked++
		p := g.Provider(r)
		if p == nil {
			fs = append(fs, g.finding(r, "uses the default AWS provider, which has no default tags"))
			continue
		}
		tags := g.In(p, "defaultTags.tags").Map()
		own := g.In(r, "tags").Map()
		for _, k := range CostTags {
			if tags[k] == "" {
				fs = append(fs, g.finding(r, "provider %s has no default tag %q", p.Name, k))
			} else if v, set := own[k]; set && v == "" {
				fs = append(fs, g.finding(r, "its own tags blank %q", k))
			}
		}
	}
	return checked, fs
}

// nameLimit is AWS's length limit on one physical name field of a type.
type nameLimit struct {
	typ, field string
	max        int
}

// nameLimits are the limits the NAME-LENGTH rule checks in the registered graph. The load
// balancer and target group limit is compute's, the same constant that bounds service
// names in their settings check (config.MaxServiceNameLength).
var nameLimits = []nameLimit{
	{"aws:lb/loadBalancer:LoadBalancer", "name", compute.MaxLoadBalancerNameLength},
	{"aws:lb/loadBalancer:LoadBalancer", "namePrefix", 6},
	{"aws:lb/targetGroup:TargetGroup", "name", compute.MaxLoadBalancerNameLength},
	{"aws:lb/targetGroup:TargetGroup", "namePrefix", 6},
	{"aws:iam/role:Role", "name", 64},
	{"aws:iam/role:Role", "namePrefix", 38},
	{"aws:iam/policy:Policy", "name", 128},
	{"aws:iam/instanceProfile:InstanceProfile", "name", 128},
	{"aws:rds/cluster:Cluster", "clusterIdentifier", 63},
	{"aws:rds/cluster:Cluster", "finalSnapshotIdentifier", 255},
	{"aws:rds/clusterInstance:ClusterInstance", "identifier", 63},
	{"aws:rds/subnetGroup:SubnetGroup", "name", 255},
	{"aws:rds/clusterParameterGroup:ClusterParameterGroup", "name", 255},
	{"aws:ecs/cluster:Cluster", "name", 255},
	{"aws:ecs/service:Service", "name", 255},
	{"aws:ecs/taskDefinition:TaskDefinition", "family", 255},
	{"aws:cloudwatch/logGroup:LogGroup", "name", 512},
	{"aws:cloudwatch/metricAlarm:MetricAlarm", "name", 255},
	{"aws:cloudwatch/dashboard:Dashboard", "dashboardName", 255},
	{"aws:ssm/parameter:Parameter", "name", 1011},
	{"aws:s3/bucketV2:BucketV2", "bucket", 63},
	{"aws:s3/bucket:Bucket", "bucket", 63},
	{"aws:sns/topic:Topic", "name", 256},
	{"aws:wafv2/webAcl:WebAcl", "name", 128},
	{"aws:wafv2/ipSet:IpSet", "name", 128},
	{"aws:ec2/securityGroup:SecurityGroup", "name", 255},
	{"aws:ecr/repository:Repository", "name", 256},
	{"aws:kms/alias:Alias", "name", 256},
	{"aws:appautoscaling/scheduledAction:ScheduledAction", "name", 256},
}

func checkNameLengths(g *Graph) (int, []Finding) {
	var fs []Finding
	checked := 0
	for _, r := range g.Resources() {
		for _, l := range nameLimits {
			if r.Type != l.typ {
				continue
			}
			n := g.name(r, l.field)
			if n == "" {
				continue
			}
			checked++
			if len(n) > l.max {
				fs = append(fs, g.finding(r, "%s %q is %d characters; AWS allows %d", l.field, n, len(n), l.max))
			}
		}
	}
	return checked, fs
}

// checkDistributionOAC finds origins that point at an S3 bucket endpoint without origin
// access control (an origin access identity or a public bucket instead).
func checkDistributionOAC(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:cloudfront/distribution:Distribution")
	for _, r := range rs {
		for i := 0; i < g.In(r, "origins").Len(); i++ {
			o := fmt.Sprintf("origins[%d]", i)
			domain := g.In(r, o+".domainName").Str()
			if !strings.Contains(domain, ".s3.") && !strings.HasSuffix(domain, ".s3.amazonaws.com") {
				continue
			}
			if g.In(r, o+".originAccessControlId").Str() == "" {
				fs = append(fs, g.finding(r, "S3 origin %s without origin access control", domain))
			}
		}
	}
	return len(rs), fs
}

func checkIMDSv2(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate")
	for _, r := range rs {
		if t := g.In(r, "metadataOptions.httpTokens").Str(); t != "required" {
			fs = append(fs, g.finding(r, "instance metadata httpTokens %q; want required (IMDSv2)", t))
		}
	}
	return len(rs), fs
}

func checkVolumeEncryption(g *Graph) (int, []Finding) {
	var fs []Finding
	instances := g.OfType("aws:ec2/instance:Instance")
	for _, r := range instances {
		if !g.In(r, "rootBlockDevice.encrypted").Bool() {
			fs = append(fs, g.finding(r, "root volume not encrypted"))
		}
		for i := 0; i < g.In(r, "ebsBlockDevices").Len(); i++ {
			if !g.In(r, fmt.Sprintf("ebsBlockDevices[%d].encrypted", i)).Bool() {
				fs = append(fs, g.finding(r, "EBS volume %d not encrypted", i))
			}
		}
	}
	templates := g.OfType("aws:ec2/launchTemplate:LaunchTemplate")
	for _, r := range templates {
		n := g.In(r, "blockDeviceMappings").Len()
		if n == 0 {
			fs = append(fs, g.finding(r, "no block device mapping: the AMI's unencrypted default applies"))
		}
		for i := 0; i < n; i++ {
			// The launch template takes the flag as a string.
			if v := g.In(r, fmt.Sprintf("blockDeviceMappings[%d].ebs.encrypted", i)); v.Str() != "true" && !v.Bool() {
				fs = append(fs, g.finding(r, "block device %d not encrypted", i))
			}
		}
	}
	return len(instances) + len(templates), fs
}

// checkDatabaseTLS finds containers that receive a database connection setting
// (DATABASE_URL, DATABASE_READER_URL or a PG* variable) without the variables that make
// libpq and Node verify the server's certificate.
func checkDatabaseTLS(g *Graph) (int, []Finding) {
	return eachContainer(g, func(c container) string {
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

// checkAlarmDelivery follows every SNS action of every metric alarm to its topic and the
// topic's key, and checks that the key's policy lets CloudWatch encrypt the alarm's
// message. A topic CloudWatch may not encrypt for accepts nothing, and the alarm shows
// only a failed action in its history
// (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
// An unencrypted topic is ENC-SNS's finding, not this rule's.
func checkAlarmDelivery(g *Graph) (int, []Finding) {
	var fs []Finding
	alarms := g.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
	for _, a := range alarms {
		name := g.name(a, "name")
		seen := map[string]bool{}
		for _, arn := range append(g.In(a, "alarmActions").Strs(), g.In(a, "okActions").Strs()...) {
			if seen[arn] || !strings.Contains(arn, ":sns:") {
				continue
			}
			seen[arn] = true
			if msg := g.topicKeyProblem(a, name, arn); msg != "" {
				fs = append(fs, g.finding(a, "%s", msg))
			}
		}
	}
	return len(alarms), fs
}

// topicKeyProblem says why CloudWatch could not encrypt alarm a's (named name)
// notification to the topic topicArn, or returns "".
func (g *Graph) topicKeyProblem(a *mockengine.Resource, name, topicArn string) string {
	topic := g.ByID(topicArn)
	if topic == nil || topic.Type != "aws:sns/topic:Topic" {
		return fmt.Sprintf("notifies %s, which is not a topic of this stack, so its key cannot be checked", topicArn)
	}
	ref := g.In(topic, "kmsMasterKeyId").Str()
	if ref == "" {
		return ""
	}
	if strings.HasPrefix(ref, "alias/aws/") || strings.Contains(ref, ":alias/aws/") {
		return fmt.Sprintf("topic %s is encrypted with the AWS managed key %s, whose policy does not let CloudWatch use it", topic.Name, ref)
	}
	key := g.keyOf(ref)
	if key == nil {
		return fmt.Sprintf("topic %s is encrypted with %s, which is not a key of this stack, so its policy cannot be checked", topic.Name, ref)
	}
	if kr, tr := g.region(key), g.region(topic); kr != "" && tr != "" && kr != tr {
		return fmt.Sprintf("topic %s in %s is encrypted with key %s in %s; a topic's key must be in its region", topic.Name, tr, key.Name, kr)
	}
	doc := g.In(key, "policy").Str()
	if doc == "" {
		return fmt.Sprintf("key %s of topic %s has no policy of its own; the default key policy admits only the account, not CloudWatch", key.Name, topic.Name)
	}
	sts, err := ParseDocument(doc)
	if err != nil {
		return fmt.Sprintf("policy of key %s unreadable: %v", key.Name, err)
	}
	for _, s := range sts {
		if s.Effect == "Allow" && servicePrincipal(s.Principal, "cloudwatch.amazonaws.com") &&
			allows(s, "kms:Decrypt") && allows(s, "kms:GenerateDataKey") && sourceArnAdmits(s, g.region(a), name) {
			return ""
		}
	}
	return fmt.Sprintf("key %s of topic %s does not let cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey* for alarm %s: its notifications would be dropped", key.Name, topic.Name, name)
}

// keyOf returns the KMS key of the stack that ref (a key id or ARN, an alias name or
// alias ARN) names, or nil.
func (g *Graph) keyOf(ref string) *mockengine.Resource {
	if r := g.ByID(ref); r != nil && r.Type == "aws:kms/key:Key" {
		return r
	}
	for _, alias := range g.OfType("aws:kms/alias:Alias") {
		if g.name(alias, "name") == ref || alias.Out("arn").Str() == ref {
			if r := g.ByID(g.In(alias, "targetKeyId").Str()); r != nil && r.Type == "aws:kms/key:Key" {
				return r
			}
		}
	}
	return nil
}

// region returns the region of r's provider, or "" when r uses the default provider.
func (g *Graph) region(r *mockengine.Resource) string {
	if p := g.Provider(r); p != nil {
		return g.In(p, "region").Str()
	}
	return ""
}

// servicePrincipal reports whether a statement principal names the AWS service.
func servicePrincipal(principal any, service string) bool {
	m, ok := principal.(map[string]any)
	if !ok {
		return false
	}
	for _, s := range strs(m["Service"]) {
		if s == service {
			return true
		}
	}
	return false
}

// allows reports whether the statement's actions grant action on every resource ("*",
// the only resource a key policy names).
func allows(s Statement, action string) bool {
	all := false
	for _, r := range s.Resources() {
		all = all || r == "*"
	}
	if !all {
		return false
	}
	for _, a := range s.Action {
		if grantsAction(a, []string{action}) {
			return true
		}
	}
	return false
}

// sourceArnAdmits reports whether the aws:SourceArn conditions of s (if any) admit the
// alarm name in region ("" when unknown): each pattern must match the alarm's ARN in its
// region and alarm-name fields. The account field is not compared, since the graph does
// not know the account; the aws:SourceAccount condition is left to IAM.
func sourceArnAdmits(s Statement, region, name string) bool {
	for op, kv := range s.Condition {
		for k, v := range kv {
			if !strings.EqualFold(k, "aws:SourceArn") {
				continue
			}
			if op != "ArnLike" && op != "ArnEquals" && op != "StringLike" && op != "StringEquals" {
				return false // a condition this check does not model
			}
			admitted := false
			for _, pattern := range strs(v) {
				f := strings.SplitN(pattern, ":", 7)
				if len(f) != 7 || f[2] != "cloudwatch" || f[5] != "alarm" {
					continue
				}
				regionOK := region == ""
				if !regionOK {
					regionOK, _ = path.Match(f[3], region)
				}
				nameOK, _ := path.Match(f[6], name)
				admitted = admitted || regionOK && nameOK
			}
			if !admitted {
				return false
			}
		}
	}
	return true
}
