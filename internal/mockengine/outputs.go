package mockengine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// hexOf is a deterministic pseudo-random hex string for a seed, so that two runs of the
// same program see the same ids and names.
func hexOf(seed string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	h := hex.EncodeToString(sum[:])
	for len(h) < n {
		h += h
	}
	return h[:n]
}

// autoName mimics Pulumi's auto-naming: the logical name, a hyphen and 7 hex digits.
func autoName(name string) string { return name + "-" + hexOf("autoname:"+name, 7) }

func str(m resource.PropertyMap, key string) string {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return ""
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func setDefault(m resource.PropertyMap, key string, v resource.PropertyValue) {
	if _, ok := m[resource.PropertyKey(key)]; !ok {
		m[resource.PropertyKey(key)] = v
	}
}

func s(v string) resource.PropertyValue { return resource.NewStringProperty(v) }

// physicalName returns the explicit name input, or an auto-name from namePrefix or the
// logical name, as the provider would.
func physicalName(name string, in resource.PropertyMap, keys ...string) string {
	for _, k := range keys {
		if v := str(in, k); v != "" {
			return v
		}
	}
	if p := str(in, "namePrefix"); p != "" {
		return p + hexOf("prefix:"+name, 26-len(p)%26)
	}
	return autoName(name)
}

// fakeOutputs returns the id and outputs the real provider would return for the type:
// inputs echoed back, plus ids, ARNs and endpoints shaped like AWS's.
func fakeOutputs(typ, name, region string, in resource.PropertyMap) (string, resource.PropertyMap) {
	out := in.Copy()
	h := hexOf(typ+"/"+name, 17)
	arnBase := func(service string) string { return "arn:aws:" + service + ":" + region + ":" + AccountID + ":" }
	id := name + "-id"

	switch typ {
	case "pulumi:providers:aws", "pulumi:providers:random":
		id = hexOf("provider:"+name, 8) + "-" + hexOf("p2:"+name, 4) + "-4000-8000-" + hexOf("p3:"+name, 12)
	case "aws:ec2/vpc:Vpc":
		id = "vpc-" + h
		setDefault(out, "defaultSecurityGroupId", s("sg-"+hexOf("defsg"+name, 17)))
		setDefault(out, "defaultRouteTableId", s("rtb-"+hexOf("defrtb"+name, 17)))
		setDefault(out, "defaultNetworkAclId", s("acl-"+hexOf("defacl"+name, 17)))
		setDefault(out, "mainRouteTableId", s("rtb-"+hexOf("defrtb"+name, 17)))
		setDefault(out, "arn", s(arnBase("ec2")+"vpc/"+id))
	case "aws:ec2/subnet:Subnet":
		id = "subnet-" + h
		setDefault(out, "arn", s(arnBase("ec2")+"subnet/"+id))
	case "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
		id = "sg-" + h
		if typ == "aws:ec2/securityGroup:SecurityGroup" {
			setDefault(out, "name", s(physicalName(name, in, "name")))
		}
		setDefault(out, "arn", s(arnBase("ec2")+"security-group/"+id))
	case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
		id = "sgr-" + h
	case "aws:ec2/internetGateway:InternetGateway":
		id = "igw-" + h
	case "aws:ec2/eip:Eip":
		id = "eipalloc-" + h
		setDefault(out, "publicIp", s(fmt.Sprintf("203.0.113.%d", 1+int(h[0])%200)))
		setDefault(out, "allocationId", s(id))
	case "aws:ec2/natGateway:NatGateway":
		id = "nat-" + h
	case "aws:ec2/networkInterface:NetworkInterface":
		id = "eni-" + h
		setDefault(out, "arn", s(arnBase("ec2")+"network-interface/"+id))
		setDefault(out, "macAddress", s("06:"+h[0:2]+":"+h[2:4]+":"+h[4:6]+":"+h[6:8]+":"+h[8:10]))
		setDefault(out, "privateIp", s("10.0.1.10"))
	case "aws:ec2/launchTemplate:LaunchTemplate":
		id = "lt-" + h
		setDefault(out, "arn", s(arnBase("ec2")+"launch-template/"+id))
		setDefault(out, "latestVersion", resource.NewNumberProperty(1))
		setDefault(out, "name", s(physicalName(name, in, "name")))
	case "aws:autoscaling/group:Group":
		id = physicalName(name, in, "name")
		out["name"] = s(id)
		setDefault(out, "arn", s(arnBase("autoscaling")+"autoScalingGroup:"+hexOf("asg"+name, 8)+"-"+hexOf("a2"+name, 4)+"-4"+hexOf("a3"+name, 3)+"-8"+hexOf("a4"+name, 3)+"-"+hexOf("a5"+name, 12)+":autoScalingGroupName/"+id))
	case "aws:ec2/routeTable:RouteTable":
		id = "rtb-" + h
	case "aws:ec2/route:Route":
		id = "r-" + h
	case "aws:ec2/routeTableAssociation:RouteTableAssociation":
		id = "rtbassoc-" + h
	case "aws:ec2/vpcEndpoint:VpcEndpoint":
		id = "vpce-" + h
		setDefault(out, "arn", s(arnBase("ec2")+"vpc-endpoint/"+id))
	case "aws:ec2/flowLog:FlowLog":
		id = "fl-" + h
	case "aws:ec2/instance:Instance":
		id = "i-" + h
		setDefault(out, "privateIp", s("10.0.11.10"))
		setDefault(out, "arn", s(arnBase("ec2")+"instance/"+id))
	case "aws:rds/cluster:Cluster":
		id = physicalName(name, in, "clusterIdentifier")
		out["clusterIdentifier"] = s(id)
		setDefault(out, "endpoint", s(id+".cluster-c"+hexOf("acct", 11)+"."+region+".rds.amazonaws.com"))
		setDefault(out, "readerEndpoint", s(id+".cluster-ro-c"+hexOf("acct", 11)+"."+region+".rds.amazonaws.com"))
		setDefault(out, "port", resource.NewNumberProperty(5432))
		setDefault(out, "clusterResourceId", s("cluster-"+strings.ToUpper(hexOf("res"+name, 26))))
		setDefault(out, "arn", s(arnBase("rds")+"cluster:"+id))
	case "aws:rds/clusterInstance:ClusterInstance":
		id = physicalName(name, in, "identifier")
		out["identifier"] = s(id)
		setDefault(out, "endpoint", s(id+".c"+hexOf("acct", 11)+"."+region+".rds.amazonaws.com"))
		setDefault(out, "dbiResourceId", s("db-"+strings.ToUpper(hexOf("res"+name, 26))))
		setDefault(out, "arn", s(arnBase("rds")+"db:"+id))
	case "aws:rds/subnetGroup:SubnetGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup", "aws:rds/parameterGroup:ParameterGroup":
		id = physicalName(name, in, "name")
		out["name"] = s(id)
		setDefault(out, "arn", s(arnBase("rds")+"pg:"+id))
	case "aws:kms/key:Key":
		id = hexOf("kms"+name, 8) + "-" + hexOf("k2"+name, 4) + "-4" + hexOf("k3"+name, 3) + "-8" + hexOf("k4"+name, 3) + "-" + hexOf("k5"+name, 12)
		setDefault(out, "keyId", s(id))
		setDefault(out, "arn", s(arnBase("kms")+"key/"+id))
	case "aws:kms/alias:Alias":
		id = str(in, "name")
		setDefault(out, "arn", s(arnBase("kms")+strings.TrimPrefix(id, "")))
	case "aws:ssm/parameter:Parameter":
		id = str(in, "name")
		setDefault(out, "arn", s(arnBase("ssm")+"parameter/"+strings.TrimPrefix(id, "/")))
		setDefault(out, "version", resource.NewNumberProperty(1))
	case "aws:iam/role:Role":
		id = physicalName(name, in, "name")
		out["name"] = s(id)
		setDefault(out, "arn", s("arn:aws:iam::"+AccountID+":role/"+id))
		setDefault(out, "uniqueId", s("AROA"+strings.ToUpper(hexOf("role"+name, 17))))
	case "aws:iam/policy:Policy":
		pn := physicalName(name, in, "name")
		id = "arn:aws:iam::" + AccountID + ":policy/" + pn
		out["name"] = s(pn)
		setDefault(out, "arn", s(id))
	case "aws:iam/instanceProfile:InstanceProfile":
		id = physicalName(name, in, "name")
		out["name"] = s(id)
		setDefault(out, "arn", s("arn:aws:iam::"+AccountID+":instance-profile/"+id))
	case "aws:cloudwatch/logGroup:LogGroup":
		id = physicalName(name, in, "name")
		out["name"] = s(id)
		setDefault(out, "arn", s(arnBase("logs")+"log-group:"+id))
	case "aws:lb/loadBalancer:LoadBalancer":
		n := physicalName(name, in, "name")
		out["name"] = s(n)
		id = arnBase("elasticloadbalancing") + "loadbalancer/app/" + n + "/" + hexOf("lb"+name, 16)
		setDefault(out, "arn", s(id))
		setDefault(out, "arnSuffix", s("app/"+n+"/"+hexOf("lb"+name, 16)))
		setDefault(out, "dnsName", s(n+"-1234567890."+region+".elb.amazonaws.com"))
		setDefault(out, "zoneId", s("Z14GRHDCWA56QT"))
	case "aws:lb/targetGroup:TargetGroup":
		n := physicalName(name, in, "name")
		out["name"] = s(n)
		id = arnBase("elasticloadbalancing") + "targetgroup/" + n + "/" + hexOf("tg"+name, 16)
		setDefault(out, "arn", s(id))
		setDefault(out, "arnSuffix", s("targetgroup/"+n+"/"+hexOf("tg"+name, 16)))
	case "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule":
		id = arnBase("elasticloadbalancing") + "listener/app/" + hexOf("l"+name, 16)
		setDefault(out, "arn", s(id))
	case "aws:ecs/cluster:Cluster":
		n := physicalName(name, in, "name")
		out["name"] = s(n)
		id = arnBase("ecs") + "cluster/" + n
		setDefault(out, "arn", s(id))
	case "aws:ecs/service:Service":
		n := physicalName(name, in, "name")
		out["name"] = s(n)
		id = arnBase("ecs") + "service/" + n
	case "aws:ecs/taskDefinition:TaskDefinition":
		fam := str(in, "family")
		id = fam
		setDefault(out, "arn", s(arnBase("ecs")+"task-definition/"+fam+":1"))
		setDefault(out, "arnWithoutRevision", s(arnBase("ecs")+"task-definition/"+fam))
		setDefault(out, "revision", resource.NewNumberProperty(1))
	case "aws:ecr/repository:Repository":
		id = physicalName(name, in, "name")
		out["name"] = s(id)
		setDefault(out, "arn", s(arnBase("ecr")+"repository/"+id))
		setDefault(out, "repositoryUrl", s(AccountID+".dkr.ecr."+region+".amazonaws.com/"+id))
		setDefault(out, "registryId", s(AccountID))
	case "aws:sns/topic:Topic":
		n := physicalName(name, in, "name")
		out["name"] = s(n)
		id = arnBase("sns") + n
		setDefault(out, "arn", s(id))
	case "aws:wafv2/webAcl:WebAcl", "aws:wafv2/ipSet:IpSet":
		n := physicalName(name, in, "name")
		out["name"] = s(n)
		kind := "webacl"
		if strings.HasSuffix(typ, "IpSet") {
			kind = "ipset"
		}
		id = hexOf("waf"+name, 8) + "-" + hexOf("w2"+name, 4) + "-4" + hexOf("w3"+name, 3) + "-8" + hexOf("w4"+name, 3) + "-" + hexOf("w5"+name, 12)
		// A CLOUDFRONT-scope web ACL or IP set is "global" in its ARN
		// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awswafv2.html).
		scope := "regional"
		if v := in["scope"]; v.IsString() && v.StringValue() == "CLOUDFRONT" {
			scope = "global"
		}
		setDefault(out, "arn", s(arnBase("wafv2")+scope+"/"+kind+"/"+n+"/"+id))
	case "aws:acm/certificate:Certificate":
		id = arnBase("acm") + "certificate/" + hexOf("acm"+name, 8) + "-" + hexOf("a2"+name, 4) + "-4" + hexOf("a3"+name, 3) + "-8" + hexOf("a4"+name, 3) + "-" + hexOf("a5"+name, 12)
		setDefault(out, "arn", s(id))
		domain := str(in, "domainName")
		setDefault(out, "domainValidationOptions", resource.NewArrayProperty([]resource.PropertyValue{
			resource.NewObjectProperty(resource.PropertyMap{
				"domainName":          s(domain),
				"resourceRecordName":  s("_" + hexOf("rr"+domain, 32) + "." + domain + "."),
				"resourceRecordType":  s("CNAME"),
				"resourceRecordValue": s("_" + hexOf("rv"+domain, 32) + ".acm-validations.aws."),
			}),
		}))
	case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
		id = physicalName(name, in, "bucket")
		out["bucket"] = s(id)
		setDefault(out, "arn", s("arn:aws:s3:::"+id))
		setDefault(out, "bucketRegionalDomainName", s(id+".s3."+region+".amazonaws.com"))
	case "aws:cloudfront/distribution:Distribution":
		// CloudFront is global: no region in the ARN; its alias zone is fixed
		// (https://docs.aws.amazon.com/general/latest/gr/cf_region.html).
		id = "E" + strings.ToUpper(hexOf("dist"+name, 13))
		setDefault(out, "arn", s("arn:aws:cloudfront::"+AccountID+":distribution/"+id))
		setDefault(out, "domainName", s("d"+hexOf("cf"+name, 13)+".cloudfront.net"))
		setDefault(out, "hostedZoneId", s("Z2FDTNDATAQYW2"))
	case "aws:route53/record:Record":
		n := strings.TrimSuffix(str(in, "name"), ".")
		id = str(in, "zoneId") + "_" + n + "_" + str(in, "type")
		setDefault(out, "fqdn", s(n))
	case "aws:cloudwatch/metricAlarm:MetricAlarm":
		id = physicalName(name, in, "name")
		setDefault(out, "arn", s(arnBase("cloudwatch")+"alarm:"+id))
	case "random:index/randomPassword:RandomPassword":
		out["result"] = resource.MakeSecret(s(fakePassword(name, in)))
		id = "none"
	case "random:index/randomString:RandomString":
		out["result"] = s(fakePassword(name, in))
		id = "none"
	default:
		if !strings.HasPrefix(typ, "pulumi:") && strings.HasPrefix(typ, "aws:") {
			service := strings.SplitN(strings.TrimPrefix(typ, "aws:"), "/", 2)[0]
			setDefault(out, "arn", s(arnBase(service)+name))
		}
	}
	return id, out
}

// fakePassword builds a deterministic password of the requested length that uses every
// allowed special character, so URL-encoding and character rules are exercised.
func fakePassword(name string, in resource.PropertyMap) string {
	length := 16
	if v, ok := in["length"]; ok && v.IsNumber() {
		length = int(v.NumberValue())
	}
	special := "!#$%&*()-_=+[]{}<>:?"
	if v := str(in, "overrideSpecial"); v != "" {
		special = v
	}
	if v, ok := in["special"]; ok && v.IsBool() && !v.BoolValue() {
		special = ""
	}
	alphabet := "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	seed := hexOf("pw"+name, 64)
	var b strings.Builder
	for i := 0; b.Len() < length; i++ {
		if special != "" && i%4 == 3 {
			b.WriteByte(special[(i/4)%len(special)])
			continue
		}
		b.WriteByte(alphabet[int(seed[i%len(seed)])%len(alphabet)])
	}
	return b.String()
}

// fakeCall answers the provider functions the program may invoke.
// MockImageMissingTag is the image tag the mock's ECR does not hold, as on a stack whose
// images are not pushed yet.
const MockImageMissingTag = "0.0.0-not-pushed"

// MockImageDeniedTag is the image tag whose lookup the mock refuses as ECR refuses a
// caller without permission.
const MockImageDeniedTag = "0.0.0-denied"

// Hosted zone ids the mock answers specially: one serves another domain, one does not
// exist, one is a private zone of example.com.
const (
	MockZoneElsewhere = "Z0ELSEWHERE000000000"
	MockZoneMissing   = "Z0MISSING0000000000"
	MockZonePrivate   = "Z0PRIVATE0000000000"
)

func fakeCall(token string, args resource.PropertyMap) (resource.PropertyMap, bool) {
	switch token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.PropertyMap{
			"accountId": s(AccountID),
			"arn":       s("arn:aws:iam::" + AccountID + ":user/ci"),
			"userId":    s("AIDA" + strings.ToUpper(hexOf("user", 17))),
			"id":        s(AccountID),
		}, true
	case "aws:index/getPartition:getPartition":
		return resource.PropertyMap{"partition": s("aws"), "dnsSuffix": s("amazonaws.com"), "id": s("aws")}, true
	case "aws:index/getRegion:getRegion":
		return resource.PropertyMap{"name": s(Region), "id": s(Region), "endpoint": s("ec2." + Region + ".amazonaws.com")}, true
	case "aws:ssm/getParameter:getParameter":
		n := str(args, "name")
		return resource.PropertyMap{
			"name": s(n), "id": s(n), "type": s("String"), "arn": s("arn:aws:ssm:" + Region + "::parameter" + n),
			"value": s("ami-0" + hexOf("ami"+n, 16)), "insecureValue": s("ami-0" + hexOf("ami"+n, 16)), "version": resource.NewNumberProperty(42),
		}, true
	case "aws:route53/getZone:getZone":
		// Every zone serves example.com, except the ids tests use for a wrong zone
		// (MockZoneElsewhere serves example.net) and a zone that does not exist
		// (MockZoneMissing).
		id := str(args, "zoneId")
		switch id {
		case MockZoneMissing:
			return nil, false
		case MockZoneElsewhere:
			return resource.PropertyMap{"zoneId": s(id), "id": s(id), "name": s("example.net."), "privateZone": resource.NewBoolProperty(false)}, true
		case MockZonePrivate:
			return resource.PropertyMap{"zoneId": s(id), "id": s(id), "name": s("example.com."), "privateZone": resource.NewBoolProperty(true)}, true
		}
		return resource.PropertyMap{"zoneId": s(id), "id": s(id), "name": s("example.com."), "privateZone": resource.NewBoolProperty(false)}, true
	case "aws:ecr/getImage:getImage":
		// Every image is pushed, except the tag MockImageMissingTag (Mocks.Call answers it
		// as ECR does for a missing image).
		repo := str(args, "repositoryName")
		return resource.PropertyMap{
			"repositoryName": s(repo), "id": s(repo), "imageDigest": s("sha256:" + hexOf("image"+repo, 64)),
			"imageTags": resource.NewArrayProperty([]resource.PropertyValue{s(str(args, "imageTag"))}),
		}, true
	case "aws:ec2/getManagedPrefixList:getManagedPrefixList":
		// The AWS-managed prefix lists are looked up by name; the id is fixed per name.
		n := str(args, "name")
		id := "pl-" + hexOf("prefix-list"+n, 8)
		return resource.PropertyMap{
			"id": s(id), "name": s(n), "arn": s("arn:aws:ec2:" + Region + ":aws:prefix-list/" + id),
			"addressFamily": s("IPv4"), "maxEntries": resource.NewNumberProperty(55), "ownerId": s("AWS"), "version": resource.NewNumberProperty(1),
		}, true
	case "aws:elb/getServiceAccount:getServiceAccount":
		// The Elastic Load Balancing account of ap-northeast-1.
		return resource.PropertyMap{"arn": s("arn:aws:iam::582318560864:root"), "id": s("582318560864")}, true
	}
	return nil, false
}
