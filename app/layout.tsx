import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TopBar } from "@/components/layout/top-bar.tsx";
import "./globals.css";

export const metadata: Metadata = { title: "bpftrace workbench" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TopBar />
        {children}
      </body>
    </html>
  );
}
