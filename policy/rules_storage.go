package policy

import (
	"fmt"
	"strings"
)

// S3 buckets: encryption, public access and TLS-only policies.

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
			if g.references(c, "bucket", b, "bucket") && g.In(c, "rules").Len() > 0 {
				ok = true
			}
		}
		if !ok {
			fs = append(fs, g.finding(b, "no server-side encryption configuration"))
		}
	}
	return len(buckets), fs
}

func checkBucketPublicAccessBlock(g *Graph) (int, []Finding) {
	var fs []Finding
	buckets := g.OfType(bucketTypes...)
	blocks := g.OfType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
	for _, b := range buckets {
		ok := false
		for _, pab := range blocks {
			if !g.references(pab, "bucket", b, "bucket") {
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
			if g.references(p, "bucket", b, "bucket") && deniesInsecureTransport(g.In(p, "policy").Str()) {
				ok = true
			}
		}
		if !ok {
			fs = append(fs, g.finding(b, "no bucket policy denying aws:SecureTransport=false"))
		}
	}
	return len(buckets), fs
}
