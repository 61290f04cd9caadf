import { NextResponse } from "next/server";

export const dynamic = "force-dynamic";

// A redirect to an absolute URL built from what the viewer used: the host from
// X-Forwarded-Host (Next.js sets it from Host when absent) and the scheme from
// CloudFront-Forwarded-Proto, falling back to X-Forwarded-Proto.
export function GET(request) {
  const h = request.headers;
  const host = h.get("x-forwarded-host") ?? h.get("host");
  const scheme = h.get("cloudfront-forwarded-proto") ?? h.get("x-forwarded-proto") ?? "http";
  return NextResponse.redirect(new URL("/target", `${scheme}://${host}`));
}
