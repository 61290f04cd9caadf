import { redirect } from "next/navigation";

// A form posting a Server Action. Without JavaScript the browser posts the form as
// multipart/form-data with the action's id in a hidden $ACTION_ID_<id> field; Next.js
// checks the Origin header against X-Forwarded-Host (or Host) before running it.
async function echo(formData) {
  "use server";
  const value = String(formData.get("value") ?? "");
  redirect("/action-done?echo=" + encodeURIComponent(value));
}

export default function Home() {
  return (
    <main>
      <form action={echo}>
        <input name="value" defaultValue="hello" />
        <button type="submit">Send</button>
      </form>
    </main>
  );
}
