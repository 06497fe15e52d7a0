import type { StudioVideo } from "../../lib/contracts/studio.js";
import type { TestStack } from "./stack.js";

/** The editor login of a test stack (generated with its credentials, like every other identity). */
export function editorLogin(stack: TestStack): { user: string; password: string } {
  return stack.credentials.editor;
}

export function basicAuth(login: { user: string; password: string }): string {
  return `Basic ${Buffer.from(`${login.user}:${login.password}`).toString("base64")}`;
}

/** Calls the studio API through the gateway as a script would (HTTP Basic); never throws for a status. */
export async function studio(stack: TestStack, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(new URL(`/api/studio${path}`, stack.urls.gateway), {
    method,
    headers: { authorization: basicAuth(editorLogin(stack)), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

/** Every upload as the studio lists it. */
export async function studioVideos(stack: TestStack): Promise<StudioVideo[]> {
  const { status, json } = await studio(stack, "GET", "/videos?limit=100");
  if (status !== 200) throw new Error(`studio list answered ${status}: ${JSON.stringify(json)}`);
  return (json as { videos: StudioVideo[] }).videos;
}

/** One upload as the studio sees it, or null when the catalogue has no record (yet). */
export async function studioVideo(stack: TestStack, id: string): Promise<StudioVideo | null> {
  const { status, json } = await studio(stack, "GET", `/videos/${id}`);
  return status === 200 ? (json as StudioVideo) : null;
}
