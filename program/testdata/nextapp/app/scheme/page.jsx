import { headers } from "next/headers";

export const dynamic = "force-dynamic";

// What the app sees of the viewer's request: the scheme from CloudFront-Forwarded-Proto
// (the load balancer overwrites X-Forwarded-Proto with its listener's protocol, http) and
// the host from X-Forwarded-Host or Host.
export default async function Scheme() {
  const h = await headers();
  const scheme = h.get("cloudfront-forwarded-proto") ?? h.get("x-forwarded-proto") ?? "unknown";
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "unknown";
  return (
    <main>
      <p id="scheme">{`scheme=${scheme}`}</p>
      <p id="host">{`host=${host}`}</p>
      <p id="x-forwarded-proto">{`x-forwarded-proto=${h.get("x-forwarded-proto")}`}</p>
    </main>
  );
}
