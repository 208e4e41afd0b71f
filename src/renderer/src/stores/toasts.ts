import { create } from 'zustand';
import { readableError } from '../lib/errors';

export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  message?: string;
}

interface ToastState {
  toasts: Toast[];
  push(toast: Omit<Toast, 'id'>, ttlMs?: number): number;
  dismiss(id: number): void;
}

let nextId = 1;

export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  push(toast, ttlMs) {
    const id = nextId++;
    // Keep the newest few; errors stay until read (or 12 s), the rest fade quickly.
    set({ toasts: [...get().toasts.slice(-4), { ...toast, id }] });
    const ttl = ttlMs ?? (toast.kind === 'error' ? 12_000 : 4_000);
    if (ttl > 0) setTimeout(() => get().dismiss(id), ttl);
    return id;
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));

export function toastError(title: string, err: unknown): void {
  useToasts.getState().push({ kind: 'error', title, message: readableError(err).message });
}

export function toastSuccess(title: string, message?: string): void {
  useToasts.getState().push({ kind: 'success', title, ...(message ? { message } : {}) });
}
