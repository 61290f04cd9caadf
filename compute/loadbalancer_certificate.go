package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// certificate returns the ARN of the configured certificate, or requests one for the
// domain and validates it with DNS records in the hosted zone.
func certificate(ctx *pulumi.Context, name string, cfg LoadBalancerSettings, parent pulumi.ResourceOption) (pulumi.StringInput, error) {
	if cfg.CertificateArn != "" {
		return pulumi.String(cfg.CertificateArn), nil
	}
	cert, err := acm.NewCertificate(ctx, name+"-site", &acm.CertificateArgs{
		DomainName:       pulumi.String(cfg.DomainName),
		ValidationMethod: pulumi.String("DNS"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("certificate %s-site: %w", name, err)
	}
	opt := cert.DomainValidationOptions.Index(pulumi.Int(0))
	record, err := route53.NewRecord(ctx, name+"-site-validation", &route53.RecordArgs{
		ZoneId:         pulumi.String(cfg.HostedZoneID),
		Name:           opt.ResourceRecordName().Elem(),
		Type:           opt.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{opt.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(300),
		AllowOverwrite: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("validation record %s-site-validation: %w", name, err)
	}
	validation, err := acm.NewCertificateValidation(ctx, name+"-site", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("certificate validation %s-site: %w", name, err)
	}
	// The listener uses the validation's ARN so that it waits for the certificate to be issued.
	return validation.CertificateArn, nil
}
