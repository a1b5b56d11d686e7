/**
 * The LLBBridge service as a grpc-js service definition with protobufjs codecs. Shared by the
 * client (frontend side) and the test harness (BuildKit side), so both ends use one schema.
 *
 * Decoding yields plain objects with proto field names, int64 as Number, bytes as Buffer and no
 * default values filled in (an absent field is undefined).
 */
import type * as grpc from '@grpc/grpc-js';
import { messageType, type MessageName } from '../pb/index.js';

export const LLB_BRIDGE_SERVICE = 'moby.buildkit.v1.frontend.LLBBridge';

const CONVERSION = { longs: Number, bytes: Buffer, defaults: false } as const;

export function encodeMessage(name: MessageName, obj: object): Buffer {
  const t = messageType(name);
  return Buffer.from(t.encode(t.fromObject(obj as Record<string, unknown>)).finish());
}

export function decodeMessage<T>(name: MessageName, data: Uint8Array): T {
  const t = messageType(name);
  return t.toObject(t.decode(data), CONVERSION) as T;
}

/** Method name → [request message, response message]. */
export const LLB_BRIDGE_METHODS = {
  ResolveImageConfig: ['ResolveImageConfigRequest', 'ResolveImageConfigResponse'],
  Solve: ['SolveRequest', 'SolveResponse'],
  ReadFile: ['ReadFileRequest', 'ReadFileResponse'],
  ReadDir: ['ReadDirRequest', 'ReadDirResponse'],
  StatFile: ['StatFileRequest', 'StatFileResponse'],
  Evaluate: ['EvaluateRequest', 'EvaluateResponse'],
  Ping: ['PingRequest', 'PongResponse'],
  Return: ['ReturnRequest', 'ReturnResponse'],
  Inputs: ['InputsRequest', 'InputsResponse'],
  Warn: ['WarnRequest', 'WarnResponse'],
} as const;

export type LLBBridgeMethod = keyof typeof LLB_BRIDGE_METHODS;

export const llbBridgeServiceDefinition: grpc.ServiceDefinition = Object.fromEntries(
  Object.entries(LLB_BRIDGE_METHODS).map(([method, [req, res]]) => {
    const reqName = `moby.buildkit.v1.frontend.${req}` as MessageName;
    const resName = `moby.buildkit.v1.frontend.${res}` as MessageName;
    const def: grpc.MethodDefinition<object, object> = {
      path: `/${LLB_BRIDGE_SERVICE}/${method}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (o) => encodeMessage(reqName, o),
      requestDeserialize: (b) => decodeMessage(reqName, b),
      responseSerialize: (o) => encodeMessage(resName, o),
      responseDeserialize: (b) => decodeMessage(resName, b),
      originalName: method,
    };
    return [method, def];
  }),
);
