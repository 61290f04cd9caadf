import { NextResponse } from "next/server";

export const dynamic = "force-dynamic";

// A redirect to an absolute URL built from request.url, as apps commonly write it.
export function GET(request) {
  return NextResponse.redirect(new URL("/target", request.url));
}
