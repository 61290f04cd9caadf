import { NextResponse } from "next/server";

// Next.js's proxy (formerly middleware): a redirect built from request.url.
export function proxy(request) {
  return NextResponse.redirect(new URL("/target", request.url));
}

export const config = { matcher: "/mw" };
