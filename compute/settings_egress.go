package compute

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ecsite/infra/internal/check"
)

// Anywhere is the outboundDestinations entry that opens a port to every address: the
// egress rule to 0.0.0.0/0 the tasks had on every outbound port before destinations
// could be named. The VPC has no IPv6 range, so the tasks have no IPv6 address and ::/0
// would admit nothing more.
const Anywhere = "anywhere"

// AnywherePort is the one outbound port that goes anywhere without an
// outboundDestinations entry: HTTPS to AWS APIs and third-party APIs, whose addresses
// are neither few nor stable.
const AnywherePort = 443

// MaxOutboundDestinations bounds the egress rules one service's outbound ports make. A
// security group holds 60 outbound rules by default, and a referenced prefix list counts
// as many rules as its maximum entries
// (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html); the rest
// leaves room for the database and Service Connect rules.
const MaxOutboundDestinations = 50

// Managed prefix list ids: pl- and 8 or 17 hexadecimal digits
// (https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html).
var prefixListPattern = regexp.MustCompile(`^pl-([0-9a-f]{8}|[0-9a-f]{17})$`)

// Egress is one egress rule of a service's tasks: TCP on Port to one destination,
// exactly one of CidrIpv4, CidrIpv6 and PrefixListID.
type Egress struct {
	Port         int
	CidrIpv4     string
	CidrIpv6     string
	PrefixListID string
	// Suffix ends the rule's logical name, after the service's own name: "out-<port>" for
	// anywhere, which keeps the name the rule had when every port went anywhere, and
	// "out-<port>-<destination>" (CIDR or prefix list id, with '.', ':' and '/' as '-')
	// for a named destination.
	Suffix string
}

// Description is the rule's description.
func (e Egress) Description() string {
	switch {
	case e.PrefixListID != "":
		return fmt.Sprintf("Port %d to prefix list %s", e.Port, e.PrefixListID)
	case e.CidrIpv6 != "":
		return fmt.Sprintf("Port %d to %s", e.Port, e.CidrIpv6)
	case e.CidrIpv4 == "0.0.0.0/0":
		return fmt.Sprintf("Port %d to the internet", e.Port)
	}
	return fmt.Sprintf("Port %d to %s", e.Port, e.CidrIpv4)
}

// Egress lists the egress rules of the service's outbound ports, in the order of
// OutboundPorts and of each port's destinations. It assumes settings that passed Check.
func (s ServiceSettings) Egress() []Egress {
	var out []Egress
	for _, port := range s.OutboundPorts {
		dests, listed := s.OutboundDestinations[strconv.Itoa(port)]
		if !listed {
			dests = []string{Anywhere}
		}
		for _, d := range dests {
			e := Egress{Port: port, Suffix: fmt.Sprintf("out-%d", port)}
			kind, canonical, _ := parseDestination(d)
			switch kind {
			case destAnywhere:
				e.CidrIpv4 = "0.0.0.0/0"
				out = append(out, e)
				continue
			case destPrefixList:
				e.PrefixListID = canonical
			case destIPv4:
				e.CidrIpv4 = canonical
			case destIPv6:
				e.CidrIpv6 = canonical
			default:
				continue
			}
			e.Suffix += "-" + strings.NewReplacer(".", "-", ":", "-", "/", "-").Replace(canonical)
			out = append(out, e)
		}
	}
	return out
}

type destinationKind int

const (
	destInvalid destinationKind = iota
	destAnywhere
	destPrefixList
	destIPv4
	destIPv6
)

// parseDestination classifies one outboundDestinations entry and returns its canonical
// form (a CIDR as netip writes it), or what is wrong with it.
func parseDestination(d string) (destinationKind, string, string) {
	if d == Anywhere {
		return destAnywhere, d, ""
	}
	if strings.HasPrefix(d, "pl-") {
		if !prefixListPattern.MatchString(d) {
			return destInvalid, "", "is not a managed prefix list id (pl- and 8 or 17 lowercase hexadecimal digits, such as pl-0123456789abcdef0)"
		}
		return destPrefixList, d, ""
	}
	prefix, err := netip.ParsePrefix(d)
	if err != nil {
		return destInvalid, "", "is not a CIDR such as 203.0.113.0/24 or 2001:db8::/32 (one address is /32 or /128), a prefix list id such as pl-0123456789abcdef0, or anywhere"
	}
	switch {
	case prefix.Addr().Zone() != "" || prefix.Addr().Is4In6():
		return destInvalid, "", "is not a plain IPv4 or IPv6 CIDR; write an IPv4-mapped address as its IPv4 CIDR"
	case prefix.Masked() != prefix:
		return destInvalid, "", fmt.Sprintf("has host bits set; the network is %s", prefix.Masked())
	case prefix.Bits() == 0:
		return destInvalid, "", fmt.Sprintf("is every address; write %q to mean it", Anywhere)
	}
	if prefix.Addr().Is4() {
		return destIPv4, prefix.String(), ""
	}
	return destIPv6, prefix.String(), ""
}

// checkOutbound records every outbound port that is not a TCP port or repeats, every
// port other than AnywherePort without destinations, and every outboundDestinations
// entry that names no outbound port, is empty, or lists a destination that is not a
// CIDR, a prefix list id or anywhere alone, or lists one twice.
func (s ServiceSettings) checkOutbound(p *check.Problems) {
	seenPort := map[int]bool{}
	for i, port := range s.OutboundPorts {
		pk := fmt.Sprintf("outboundPorts[%d]", i)
		switch {
		case port < 1 || port > 65535:
			p.Addf(pk, "%d is not a TCP port", port)
		case seenPort[port]:
			p.Addf(pk, "%d is listed twice", port)
		case port != AnywherePort && s.OutboundDestinations[strconv.Itoa(port)] == nil:
			p.Addf(pk, "%d has no outboundDestinations entry: list its destinations (CIDRs or prefix lists), as outboundDestinations: {\"%d\": [\"203.0.113.0/24\"]}, or state {\"%d\": [%q]} explicitly; only %d goes anywhere without one",
				port, port, port, Anywhere, AnywherePort)
		}
		seenPort[port] = true
	}
	keys := make([]string, 0, len(s.OutboundDestinations))
	for k := range s.OutboundDestinations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	total := 0
	for _, k := range keys {
		dests := s.OutboundDestinations[k]
		dk := "outboundDestinations." + k
		if port, err := strconv.Atoi(k); err != nil || strconv.Itoa(port) != k {
			p.Addf(dk, "%q is not a port number; key each entry by a port of outboundPorts, such as \"27017\"", k)
		} else if !seenPort[port] {
			p.Addf(dk, "port %d is not in outboundPorts %v; add it there or remove the entry", port, s.OutboundPorts)
		}
		if len(dests) == 0 {
			p.Addf(dk, "is empty; list the port's destinations (CIDRs or prefix lists) or state [%q]", Anywhere)
		}
		total += len(dests)
		seen := map[string]int{}
		for j, d := range dests {
			ek := fmt.Sprintf("%s[%d]", dk, j)
			kind, canonical, msg := parseDestination(d)
			switch {
			case kind == destInvalid:
				p.Addf(ek, "%q %s", d, msg)
				continue
			case kind == destAnywhere && len(dests) > 1:
				p.Addf(ek, "%q is every address and cannot be listed with other destinations; keep it alone or remove it", d)
			}
			if prev, dup := seen[canonical]; dup {
				p.Addf(ek, "%q is listed twice (also %s[%d])", d, dk, prev)
				continue
			}
			seen[canonical] = j
		}
	}
	if total > MaxOutboundDestinations {
		p.Addf("outboundDestinations", "lists %d destinations; at most %d fit in the tasks' security group beside its other rules", total, MaxOutboundDestinations)
	}
}
