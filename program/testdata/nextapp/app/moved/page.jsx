import { redirect } from "next/navigation";

export const dynamic = "force-dynamic";

// Next.js's own redirect from a server component.
export default function Moved() {
  redirect("/target");
}
