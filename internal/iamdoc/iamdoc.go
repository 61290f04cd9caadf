// Package iamdoc builds IAM policy documents from Go values and renders them as
// deterministic JSON (struct field order, sorted map keys), so that previews show no
// phantom diffs and tests can read policies as data.
package iamdoc

import (
	"encoding/json"
)

// Version is the IAM policy language version.
const Version = "2012-10-17"

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy document.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]any            `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// New returns a document with the given statements; Effect defaults to Allow.
func New(statements ...Statement) Document {
	for i := range statements {
		if statements[i].Effect == "" {
			statements[i].Effect = "Allow"
		}
	}
	return Document{Version: Version, Statement: statements}
}

// JSON renders the document.
func (d Document) JSON() (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// AssumeRole is a trust policy that lets an AWS service assume the role. When account is
// set, the trust is limited to requests made on behalf of that account (the confused
// deputy guard AWS recommends).
func AssumeRole(service, account string) Document {
	st := Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Service": service},
		Action:    []string{"sts:AssumeRole"},
	}
	if account != "" {
		st.Condition = map[string]map[string]any{"StringEquals": {"aws:SourceAccount": account}}
	}
	return New(st)
}

// KeyAdministeredThroughIAM is the key-policy statement that lets IAM in account decide
// who may use and administer a KMS key, as AWS's default key policy does
// (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
// Without it only the principals named in the key policy could ever manage the key.
func KeyAdministeredThroughIAM(account string) Statement {
	return Statement{
		Sid:       "AccountAdministersKeyThroughIAM",
		Principal: map[string]any{"AWS": "arn:aws:iam::" + account + ":root"},
		Action:    []string{"kms:*"},
		Resource:  []string{"*"},
	}
}

// LogsMayEncrypt is the key policy statement that lets CloudWatch Logs of region use the
// key for account's log groups whose names match groups (a name, or a pattern with *),
// as the encryption context aws:logs:arn binds each use to one log group
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
func LogsMayEncrypt(sid, region, account, groups string) Statement {
	return Statement{
		Sid:       sid,
		Principal: map[string]any{"Service": "logs." + region + ".amazonaws.com"},
		Action:    []string{"kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
		Resource:  []string{"*"},
		Condition: map[string]map[string]any{"ArnLike": {
			"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:" + region + ":" + account + ":log-group:" + groups,
		}},
	}
}
