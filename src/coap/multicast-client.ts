/**
 * Group communication for a client (RFC 7252 §8.2): one NON request to a group address, the
 * answers of every member collected for a while. Beside CoapClient rather than in it, so a device
 * app that never asks a group carries none of it.
 */
import type { Clock } from '../ports.js';
import type { RequestInit } from './client.js';
import type { OutgoingRequest, RequestHandle, ResponseSink } from './exchange.js';
import { Response } from './response.js';

/** What sends requests: a CoapClient, or an Endpoint (which delegates to one). */
export interface RequestSender {
  send(init: RequestInit, sink: ResponseSink): RequestHandle;
  buildRequest(init: RequestInit): OutgoingRequest;
}

/**
 * Send `init` to a group address and collect the answers for `wait` ms (members answer after a
 * random Leisure, §8.2; choose `wait` above it). Resolves with the answers in arrival order, each
 * with its responder's address; rejects only when the request cannot be sent.
 */
export function collectAnswers(client: RequestSender, clock: Clock, init: RequestInit, wait: number): Promise<Response[]> {
  return new Promise<Response[]>((resolve, reject) => {
    const answers: Response[] = [];
    let done = false;
    let handle: RequestHandle | undefined;
    let groupPeer = { address: '', port: 0 };
    const timer = clock.setTimer(wait, () => {
      if (done) return;
      done = true;
      handle?.close();
      resolve(answers);
    });
    const fail = (e: unknown) => {
      if (done) return;
      done = true;
      clock.clearTimer(timer);
      handle?.close();
      reject(e);
    };
    try {
      groupPeer = client.buildRequest(init).peer;
      handle = client.send({ ...init, multicast: true }, {
        response: (m, from) => {
          if (!done) answers.push(new Response(m, from ?? groupPeer));
        },
        error: fail,
      });
    } catch (e) {
      fail(e);
    }
    if (done) handle?.close();
  });
}
