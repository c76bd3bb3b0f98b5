import type { Metadata } from "next";
import type { ReactNode } from "react";
import { connection } from "next/server";
import { TopBar } from "@/components/layout/top-bar.tsx";
import "./globals.css";

export const metadata: Metadata = { title: "bpftrace workbench" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is rendered per request: its scripts carry that response's CSP
  // nonce (proxy.ts), which a page prerendered at build time could not have.
  await connection();
  return (
    <html lang="en">
      <body>
        <TopBar />
        {children}
      </body>
    </html>
  );
}
