package check

import (
	"fmt"
	"strings"
)

// OneOf reports whether value is one of allowed.
func OneOf[T comparable](value T, allowed []T) bool {
	for _, a := range allowed {
		if value == a {
			return true
		}
	}
	return false
}

// Join renders values as "a, b, c" for an error message.
func Join[T any](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

// Allowed records a problem with field unless value is one of allowed.
func (p *Problems) Allowed(field, value string, allowed []string) {
	if !OneOf(value, allowed) {
		p.Addf(field, "%q is not allowed; use one of %s", value, strings.Join(allowed, ", "))
	}
}

// LogRetentionDays lists the retention periods CloudWatch Logs accepts
// (PutRetentionPolicy, retentionInDays:
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
// 0 ("never expire") is deliberately not offered: every log group here expires.
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// Retention records a problem with field unless CloudWatch Logs accepts days as a retention.
func (p *Problems) Retention(field string, days int) {
	if !OneOf(days, LogRetentionDays) {
		p.Addf(field, "%d is not a CloudWatch Logs retention; use one of %s", days, Join(LogRetentionDays))
	}
}
