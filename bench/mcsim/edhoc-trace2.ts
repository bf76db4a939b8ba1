/**
 * RFC 9529 trace 2's inputs for the device self-test (bench/mcsim/edhoc-selftest.ts), copied from
 * test/fixtures/edhoc/rfc9529-traces.txt (the RFC's text): the Responder's keys and credentials,
 * message_1 (second time) and message_3. test/device-edhoc-mcsim.node.test.ts compares what the
 * device computes from them with the trace's message_2 and OSCORE values.
 */
export const TRACE2 = {
  credR: 'a2026b6578616d706c652e65647508a101a501020241322001215820bbc34960526ea4d32e940cad2a234148ddc21791a12afbcbac93622046dd44f02258204519e257236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf6072',
  credI: 'a2027734322d35302d33312d46462d45462d33372d33322d333908a101a5010202412b2001215820ac75e9ece3e50bfc8ed60399889522405c47bf16df96660a41298cb4307f7eb62258206e5de611388a4b8a8211334ac7d37ecb52a387d257e6db3c2a93df21ff3affc8',
  skR: '72cc4761dbd4c78f758931aa589d348d1ef874a7e303ede2f140dcf3e6aa4aac',
  y: 'e2f4126777205e853b437d6eaca1e1f753cdcc3e2c69fa884b0a1a640977e418',
  gY: '419701d7f00a26c2dc587a36dd752549f33763c893422c8ea0f955a13a4ff5d5',
  cR: '27',
  message1: '0382060258208af6f430ebe18d34184017a9a11bf511c8dff8f834730b96c1b7c8dbca2fc3b637',
  message3: '52e562097bc417dd5919485ac7891ffd90a9fc',
};
