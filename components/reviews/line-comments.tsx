"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError, callApi } from "@/lib/client/api.ts";

type Comment = { id: string; line: number; body: string; authorName: string; createdAt: string };

/**
 * The program with each line's comments under it, and a form to comment on
 * a line. Revisions never change, so a comment stays attached to the line it
 * was written about.
 */
export function LineComments({ revisionId, source, comments, canComment }: { revisionId: string; source: string; comments: Comment[]; canComment: boolean }) {
  const router = useRouter();
  const [line, setLine] = useState("1");
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  const lines = source.split("\n");
  const byLine = new Map<number, Comment[]>();
  for (const comment of comments) byLine.set(comment.line, [...(byLine.get(comment.line) ?? []), comment]);

  async function add(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await callApi("POST", `/api/revisions/${revisionId}/comments`, { line: Number(line), body });
      setBody("");
      router.refresh();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
    }
  }

  return (
    <div>
      <pre className="program with-lines" data-testid="revision-source">
        {lines.map((text, index) => (
          <div key={index}>
            <span className="line-number">{index + 1}</span>
            {text || " "}
            {byLine.get(index + 1)?.map((c) => (
              <div key={c.id} className="line-comment" data-testid="line-comment">
                {c.authorName}: {c.body}
              </div>
            ))}
          </div>
        ))}
      </pre>
      {canComment && (
        <form className="actions" onSubmit={(event) => void add(event)} aria-label="Comment on a line">
          <label htmlFor="comment-line">Line</label>
          <input id="comment-line" type="number" min={1} max={lines.length} value={line} onChange={(e) => setLine(e.target.value)} style={{ width: 80 }} />
          <input type="text" aria-label="Comment" placeholder="Comment on this line" value={body} onChange={(e) => setBody(e.target.value)} style={{ flex: 1 }} />
          <button type="submit" disabled={!body.trim()}>
            Comment
          </button>
          {error && (
            <span className="error" role="alert">
              {error}
            </span>
          )}
        </form>
      )}
    </div>
  );
}
