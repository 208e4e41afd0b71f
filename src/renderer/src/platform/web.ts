import { createApiClient, MAX_CALL_BYTES, type AppEvents, type EventName, type RpcResult } from '../../../shared/contract';
import { mediaKey, rpcProtocols, signedMediaUrl, TOKEN_REFUSED_CLOSE } from '../../../shared/contract/hostAuth';
import type { Platform } from './types';
import { createUploader } from './upload';

type ServerMessage = { id: number; result: RpcResult<unknown> } | { event: EventName; payload: unknown };

const TOKEN_KEY = 'folio.token';
const TOKEN_MESSAGE =
  'This Folio address is missing its access token or is out of date (the host was restarted). Open the full address that `npm run web` printed.';

/** Dispatched on `window` when the socket comes back after a drop, so views can refresh. */
export const RECONNECTED_EVENT = 'folio:reconnected';

/**
 * The token arrives once in the URL (?token=…); keep it for reloads in sessionStorage (this
 * origin's, port included, unlike a cookie) and take it out of the address bar and history.
 */
function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/**
 * The browser host's transport: the same contract over one WebSocket. Calls made while the socket
 * is (re)connecting wait for it; a dropped socket fails the calls in flight as retryable.
 */
export function createWebPlatform(): Platform {
  const token = takeToken();
  const media = mediaKey(token);
  const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/rpc`;
  const pending = new Map<number, (result: RpcResult<unknown>) => void>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let ready: Promise<WebSocket> | null = null;
  let retryDelay = 250;

  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let everConnected = false;
  let tokenRefused = false;

  /**
   * Why a socket could not open. The host opens and closes a socket with TOKEN_REFUSED_CLOSE for a wrong token;
   * other refusals (the handshake's status is hidden from pages) are asked of the host.
   */
  const describeFailure = async (code: number): Promise<string> => {
    if (code === TOKEN_REFUSED_CLOSE) {
      tokenRefused = true;
      return TOKEN_MESSAGE;
    }
    try {
      const res = await fetch(window.location.pathname, { method: 'HEAD', cache: 'no-store', credentials: 'omit' });
      if (res.status === 403) {
        tokenRefused = true;
        return `Folio refused this address: ${(await res.text()) || 'open the full address that `npm run web` printed.'}`;
      }
      return 'Cannot connect to Folio. Is `npm run web` still running?';
    } catch {
      return 'Cannot reach Folio. Is `npm run web` still running?';
    }
  };

  // One reconnect loop at most, so events resume after the host comes back.
  const scheduleReconnect = () => {
    if (reconnectTimer || tokenRefused) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void connect().catch(() => undefined);
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 5000);
  };

  const connect = (): Promise<WebSocket> => {
    if (tokenRefused) return Promise.reject(new Error(TOKEN_MESSAGE));
    if (ready) return ready;
    ready = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, rpcProtocols(token));
      let opened = false;
      ws.onopen = () => {
        opened = true;
        socket = ws;
        retryDelay = 250;
        resolve(ws);
        // Events sent while the socket was down are lost: tell the UI to refresh what it shows.
        if (everConnected) window.dispatchEvent(new Event(RECONNECTED_EVENT));
        everConnected = true;
      };
      ws.onmessage = (message) => {
        let data: ServerMessage;
        try {
          data = JSON.parse(String(message.data)) as ServerMessage;
        } catch {
          return;
        }
        if ('id' in data) {
          pending.get(data.id)?.(data.result);
          pending.delete(data.id);
        } else {
          for (const listener of listeners.get(data.event) ?? []) {
            try {
              listener(data.payload);
            } catch (err) {
              console.error(`A listener for ${data.event} failed`, err);
            }
          }
        }
      };
      ws.onclose = (event) => {
        if (socket === ws) socket = null;
        ready = null;
        // A wrong token opens the socket and closes it at once: say so, and stop retrying.
        if (event.code === TOKEN_REFUSED_CLOSE) tokenRefused = true;
        for (const [id, settle] of pending) {
          settle({ ok: false, error: tokenRefused ? { code: 'unavailable', message: TOKEN_MESSAGE, retryable: false } : { code: 'unavailable', message: 'Lost the connection to Folio; retrying.', retryable: true } });
          pending.delete(id);
        }
        if (opened) {
          scheduleReconnect();
          return;
        }
        void describeFailure(event.code).then((message) => {
          reject(new Error(message));
          scheduleReconnect();
        });
      };
    });
    return ready;
  };

  const api = createApiClient(async (method, request) => {
    let ws: WebSocket;
    try {
      ws = socket ?? (await connect());
    } catch (err) {
      return { ok: false, error: { code: 'unavailable', message: (err as Error).message, retryable: true } };
    }
    const id = nextId++;
    const text = JSON.stringify({ id, method, request });
    // The host closes the connection on a longer message; say why here instead (UTF-8 bytes are at most 3 per UTF-16 unit).
    const bytes = text.length * 3 <= MAX_CALL_BYTES ? text.length : new TextEncoder().encode(text).length;
    if (bytes > MAX_CALL_BYTES) {
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
      return { ok: false, error: { code: 'too_large', message: `${String(method)}: this call is ${mb(bytes)}; Folio's host takes at most ${mb(MAX_CALL_BYTES)} in one call.`, retryable: false } };
    }
    return new Promise<RpcResult<unknown>>((resolve) => {
      pending.set(id, resolve);
      ws.send(text);
    });
  });

  const events: AppEvents = {
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: unknown) => void);
      void connect().catch(() => undefined);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };

  return {
    kind: 'web',
    api,
    events,
    mediaUrl: (path) => signedMediaUrl(media, path, Date.now()),
    fileImport: { kind: 'upload', upload: createUploader(token) },
  };
}
