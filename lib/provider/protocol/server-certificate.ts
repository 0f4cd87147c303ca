/**
 * The provider's TLS identity for go-plugin's automatic mTLS: a fresh EC P-256 key and a self-signed certificate
 * shaped the way Terraform's client accepts it (CN and SAN DNS `localhost`, a positive serial, CA:true, server and
 * client auth, valid from 30 s ago). DER is written with asn1js; the key and the signature come from node:crypto.
 */
import * as asn1js from "asn1js";
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";

export interface ServerCertificate {
  /** The certificate, DER bytes (the handshake line carries them in base64). */
  readonly der: Buffer;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
};
/** keyUsage bits 0 (digitalSignature), 2 (keyEncipherment) and 5 (keyCertSign): 1010 0100, 2 unused bits. */
const KEY_USAGE = { bits: 0xa4, unusedBits: 2 };
const VALIDITY_MS = 24 * 60 * 60 * 1000;
const BACKDATE_MS = 30 * 1000;

const der = (value: asn1js.BaseBlock) => Buffer.from(value.toBER());
const explicit = (tagNumber: number, value: asn1js.BaseBlock) =>
  new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value: [value] });

function extension(oid: string, critical: boolean, value: asn1js.BaseBlock): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: oid }),
      ...(critical ? [new asn1js.Boolean({ value: true })] : []),
      new asn1js.OctetString({ valueHex: der(value) }),
    ],
  });
}

export function createServerCertificate(now = new Date()): ServerCertificate {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const algorithm = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.ecdsaWithSha256 })] });
  const name = new asn1js.Sequence({
    value: [
      new asn1js.Set({
        value: [
          new asn1js.Sequence({
            value: [new asn1js.ObjectIdentifier({ value: OID.commonName }), new asn1js.Utf8String({ value: "localhost" })],
          }),
        ],
      }),
    ],
  });
  const spki = asn1js.fromBER(publicKey.export({ type: "spki", format: "der" }));
  if (spki.offset === -1) throw new Error(`node:crypto exported a public key asn1js cannot read: ${spki.result.error}`);
  const tbs = new asn1js.Sequence({
    value: [
      explicit(0, new asn1js.Integer({ value: 2 })), // v3
      // A leading 01 keeps the serial positive (Go rejects a negative one).
      new asn1js.Integer({ valueHex: Buffer.concat([Buffer.from([1]), randomBytes(15)]) }),
      algorithm,
      name,
      new asn1js.Sequence({
        value: [
          new asn1js.UTCTime({ valueDate: new Date(now.getTime() - BACKDATE_MS) }),
          new asn1js.UTCTime({ valueDate: new Date(now.getTime() + VALIDITY_MS) }),
        ],
      }),
      name,
      spki.result,
      explicit(
        3,
        new asn1js.Sequence({
          value: [
            extension(OID.basicConstraints, true, new asn1js.Sequence({ value: [new asn1js.Boolean({ value: true })] })),
            extension(
              OID.keyUsage,
              true,
              new asn1js.BitString({ valueHex: Buffer.from([KEY_USAGE.bits]), unusedBits: KEY_USAGE.unusedBits }),
            ),
            extension(
              OID.extKeyUsage,
              false,
              new asn1js.Sequence({
                value: [new asn1js.ObjectIdentifier({ value: OID.serverAuth }), new asn1js.ObjectIdentifier({ value: OID.clientAuth })],
              }),
            ),
            extension(
              OID.subjectAltName,
              false,
              new asn1js.Sequence({
                // GeneralName dNSName: [2] IMPLICIT IA5String
                value: [new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 }, valueHex: Buffer.from("localhost") })],
              }),
            ),
          ],
        }),
      ),
    ],
  });
  const tbsDer = der(tbs);
  const signature = sign("sha256", tbsDer, privateKey);
  const certificate = der(
    new asn1js.Sequence({ value: [tbs, algorithm, new asn1js.BitString({ valueHex: signature, unusedBits: 0 })] }),
  );
  const base64Lines = certificate.toString("base64").replace(/.{1,64}/g, "$&\n");
  return {
    der: certificate,
    certificatePem: `-----BEGIN CERTIFICATE-----\n${base64Lines}-----END CERTIFICATE-----\n`,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  };
}
