import { redirect } from "next/navigation";
import { getCurrentActor } from "@/lib/server/auth/session.ts";

export default async function Home() {
  redirect((await getCurrentActor()) ? "/programs" : "/login");
}
