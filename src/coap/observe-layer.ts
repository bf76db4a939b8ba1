/**
 * Observe (RFC 7641) as a StackLayer of the endpoint, inside OSCORE (RFC 8613 §4.1.3.5.1: the
 * Observe registration and notifications are end-to-end, inner).
 *
 * Server: a GET/FETCH with Observe=0 on a resource marked observable is registered when the
 * resource answers 2.xx (the response then carries the Observe value); Observe=1 deregisters.
 * notify(path) renders the resource again for every observer, with that observer's registering
 * request, and sends the result as a notification (CON now and then, see ObserverRegistry). A Reset
 * to a notification or a CON notification never acknowledged removes the observer (§3.6, §4.5),
 * as does a non-2.xx notification (§4.2).
 *
 * Client: observeRequest() sends the registration through the client stack and returns a
 * NotificationStream. Cancelling forgets the request and sends GET Observe=1 with its token
 * (§3.6); should that be lost, the next notification is answered with Reset by messaging.
 */
import type { Clock } from '../ports.js';
import { MessageType } from './numbers.js';
import { Option } from './option-registry.js';
import { cloneMessage, getOptions, getUintOption, removeOption, setUintOption, type Message } from './message.js';
import { NotificationStream, ObserverRegistry, observeIntent, type ObserveLimits, type Observer } from './observe.js';
import { peerKey, type ClientTransport, type OutgoingRequest, type RequestHandle, type ServerExchange, type ServerHandler, type StackLayer } from './exchange.js';
import { toHex, utf8Decode } from '../bytes.js';

interface ObserverContext {
  exchange: ServerExchange;
  inner: ServerHandler;
  /** A CON notification is awaiting its ACK (§4.5.2: do not pile up more behind it). */
  busy: boolean;
  /** A newer state was notified meanwhile: send it (once, the latest) when the CON completes. */
  again: boolean;
  againConfirmable: boolean;
}

export class ObserveLayer implements StackLayer {
  readonly name = 'observe';
  readonly registry: ObserverRegistry;
  private readonly observable = new Set<string>();
  private readonly contexts = new WeakMap<Observer, ObserverContext>();

  constructor(clock: Clock, limits: Partial<ObserveLimits> = {}) {
    this.registry = new ObserverRegistry(clock, limits);
  }

  /** Allow observation of the resource at `path` ('/a/b'). */
  markObservable(path: string): void {
    this.observable.add(pathKeyOf(path));
  }

  /** The resource at `path` is gone: its observers get nothing more (they may re-register later). */
  unmarkObservable(path: string): void {
    const key = pathKeyOf(path);
    this.observable.delete(key);
    this.registry.removeResource(key);
  }

  readonly server = (inner: ServerHandler): ServerHandler => (ex: ServerExchange) => {
    const intent = observeIntent(ex.request);
    if (intent === 'none') return inner(ex);
    const who = identity(ex);
    const token = ex.request.token;
    if (intent === 'deregister') {
      const o = this.registry.find(who, token);
      if (o) this.registry.removeObserver(o);
      return inner(ex);
    }
    const path = getOptions(ex.request, Option.URI_PATH).map(utf8Decode).join('/');
    if (!this.observable.has(path)) return inner(ex);
    inner({
      request: ex.request,
      peer: ex.peer,
      oscore: ex.oscore,
      notify: (r, con) => ex.notify(r, con),
      respond: (response) => {
        const old = this.registry.find(who, token);
        if (response.code >> 5 !== 2) {
          // §4.1: no registration for an error; a refresh that fails ends the old one too.
          if (old) this.registry.removeObserver(old);
          return ex.respond(response);
        }
        let seq: number;
        try {
          seq = this.registry.register(path, who, ex.request);
        } catch {
          return ex.respond(response); // over the limits: a plain response, not registered
        }
        this.contexts.set(this.registry.find(who, token) as Observer, { exchange: ex, inner, busy: false, again: false, againConfirmable: false });
        const out = cloneMessage(response);
        setUintOption(out, Option.OBSERVE, seq);
        ex.respond(out);
      },
    });
  };

  /**
   * Send every observer of `path` a notification with the resource's current state.
   * While a CON notification to an observer awaits its ACK, newer states are not queued behind it:
   * the latest is rendered and sent once that CON completes (RFC 7641 §4.5.2).
   * Returns the number of observers of the resource.
   */
  notify(path: string, options: { confirmable?: boolean } = {}): number {
    const list = this.registry.observersOf(pathKeyOf(path));
    for (const o of list) this.notifyOne(o, options.confirmable ?? false);
    return list.length;
  }

  private notifyOne(o: Observer, confirmable: boolean): void {
    const c = this.contexts.get(o);
    if (!c) return;
    if (c.busy) {
      c.again = true;
      c.againConfirmable = c.againConfirmable || confirmable;
      return;
    }
    c.inner({
      request: o.request,
      peer: c.exchange.peer,
      oscore: c.exchange.oscore,
      notify: (r, con) => c.exchange.notify(r, con),
      respond: (response) => {
        if (!this.registry.isRegistered(o)) return; // deregistered while the resource rendered
        const plan = this.registry.plan(o, response.code, confirmable);
        const out = cloneMessage(response);
        if (plan.observe !== undefined) setUintOption(out, Option.OBSERVE, plan.observe);
        else removeOption(out, Option.OBSERVE);
        const con = plan.type === MessageType.CON;
        if (con) c.busy = true;
        c.exchange.notify(out, con).then(
          () => {
            if (!con) return;
            c.busy = false;
            if (c.again && this.registry.isRegistered(o)) {
              const againCon = c.againConfirmable;
              c.again = c.againConfirmable = false;
              this.notifyOne(o, againCon);
            }
          },
          () => {
            // Reset or never acknowledged: the client is gone or not interested (§3.6, §4.5).
            c.busy = false;
            this.registry.removeObserver(o);
          },
        );
      },
    });
  }

  clear(): void {
    this.registry.clear();
  }
}

function pathKeyOf(path: string): string {
  return path.split('/').filter((s) => s.length > 0).join('/');
}

/** The client endpoint an observation belongs to: address and port, and the OSCORE context if any. */
function identity(ex: ServerExchange): string {
  return peerKey(ex.peer) + (ex.oscore ? ' kid:' + toHex(ex.oscore.recipientId) + ':' + toHex(ex.oscore.idContext ?? new Uint8Array(0)) : '');
}

/**
 * Client: register an observation by sending `out` (its message gets Observe=0) through
 * `transport`, and stream the responses. The first item is the registration's response; if the
 * server did not register (no Observe option) or answered with an error, it is also the last.
 */
export function observeRequest<T>(transport: ClientTransport, out: OutgoingRequest, clock: Clock, toItem: (m: Message) => T, maxQueued = 16): NotificationStream<T> {
  const message = cloneMessage(out.message);
  setUintOption(message, Option.OBSERVE, 0);
  let handle: RequestHandle | undefined;
  let ended = false;
  let token: Uint8Array | undefined;
  const end = () => {
    ended = true;
    handle?.close();
  };
  // Proactive cancellation (§3.6): GET with Observe=1 and the registration's token. If it is lost,
  // the next notification meets a closed token and messaging answers it with Reset (reactive).
  const deregister = () => {
    end();
    if (!token || token.length === 0) return;
    const m = cloneMessage(out.message);
    setUintOption(m, Option.OBSERVE, 1);
    let finished = false;
    let h: RequestHandle | undefined;
    const finish = () => {
      finished = true;
      h?.close();
    };
    h = transport.send({ ...out, message: m, token }, { response: finish, error: finish });
    if (finished) h.close();
  };
  const stream = new NotificationStream<T>(clock, deregister, maxQueued);
  handle = transport.send(
    { ...out, message },
    {
      response: (m) => {
        if (token === undefined) token = m.token.slice();
        const seq = getUintOption(m, Option.OBSERVE);
        const final = seq === undefined || m.code >> 5 !== 2;
        stream.deliver(final ? undefined : seq, toItem(m), final);
        if (final) end();
      },
      error: (e) => {
        stream.fail(e);
        end();
      },
    },
  );
  if (ended) handle.close();
  return stream;
}
