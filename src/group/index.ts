/**
 * Group OSCORE (RFC 10021): group and pairwise mode beside src/oscore, on its option, AAD, nonce
 * and plaintext steps.
 *
 *   const group = new GroupContext({ groupId, masterSecret, masterSalt, senderId, signatureAlgorithm: -8,
 *     credential, privateKey, members: [{ senderId, credential, publicKey }, …] }, { crypto, random });
 *   const { message, binding } = protectGroupRequest(group, request);            // group mode
 *   const { message, binding } = protectGroupRequest(group, request, 'pairwise', serverId);
 *   const { message, binding } = unprotectGroupRequest(group, received);         // server
 *   protectGroupResponse(response, binding);                                     // server
 *   unprotectGroupResponse(received, binding);                                   // client, per response
 */
export { GroupContext, GroupRecipient, groupKdf, pairwiseKey, ECDH_SS_HKDF_256, SIGNATURE_LENGTH, MAX_GROUP_MEMBERS, type GroupContextParams, type GroupContextOptions, type GroupMember } from './context.js';
export { protectGroupRequest, protectGroupResponse, type GroupMode, type GroupRequestBinding, type ProtectGroupResponseOptions } from './protect.js';
export { unprotectGroupRequest, unprotectGroupResponse, type GroupEchoVerifier, type UnprotectGroupRequestOptions } from './unprotect.js';
export { encodeGroupOscoreOption, decodeGroupOscoreOption, GROUP_FLAG, type GroupOscoreOptionValue } from './option.js';
export { groupExternalAad, countersignStructure, signatureKeystream, type GroupAadInputs, type GroupAlgorithmIds } from './aad.js';
