/**
 * The shape of the provider's certificate for go-plugin's automatic mTLS, written with asn1js: its to-be-signed part
 * (TBSCertificate) with placeholders where each certificate differs (the serial, the two dates, the public key), and
 * where those are. A provider process fills the placeholders and signs (server-certificate.ts). The bundled provider
 * carries the template the build computed (scripts/bundle.ts puts it in place of certificate-static.ts), so it never
 * loads asn1js: building the DER with it cost ~8 ms of each of the 3–4 provider starts per Terraform command. From the
 * sources the template is built at first use.
 *
 * The certificate is shaped the way Terraform's client accepts it: CN and SAN DNS `localhost`, a positive serial,
 * CA:true, server and client auth, an EC P-256 key and ecdsa-with-SHA256.
 */
import type * as Asn1js from "asn1js";
import { STATIC_CERTIFICATE_TEMPLATE } from "./certificate-static";

/** The template as plain data (what the build writes into the bundle): DER in base64, placeholders by byte offset. */
export interface CertificateTemplate {
  /** TBSCertificate, DER, base64. */
  readonly tbs: string;
  /** The AlgorithmIdentifier ecdsa-with-SHA256, DER, base64 (in the TBS, and again beside the signature). */
  readonly algorithm: string;
  /** Where the serial's `SERIAL_BYTES` bytes start. */
  readonly serial: number;
  /** Where the validity's two UTCTime values (13 characters each) start. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** Where the SubjectPublicKeyInfo starts, and its length (an uncompressed P-256 key's). */
  readonly publicKey: number;
  readonly publicKeyLength: number;
}

/** A serial's length in bytes; its first byte is 01, so that it is positive (Go rejects a negative one). */
export const SERIAL_BYTES = 16;

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  ecPublicKey: "1.2.840.10045.2.1",
  prime256v1: "1.2.840.10045.3.1.7",
};
/** keyUsage bits 0 (digitalSignature), 2 (keyEncipherment) and 5 (keyCertSign): 1010 0100, 2 unused bits. */
const KEY_USAGE = { bits: 0xa4, unusedBits: 2 };

/** The placeholders, each found exactly once in the TBS (the build's output depends on nothing else). */
const PLACEHOLDER = {
  serial: Buffer.concat([Buffer.from([1]), Buffer.alloc(SERIAL_BYTES - 1, 0x5a)]),
  notBefore: new Date(Date.UTC(2001, 0, 1, 1, 1, 1)),
  notAfter: new Date(Date.UTC(2002, 1, 2, 2, 2, 2)),
  /** An uncompressed P-256 point: 04, then x and y. */
  point: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xa5)]),
};

let built: CertificateTemplate | undefined;

/** The template: the build's in the bundle, else built now (once per process). */
export function certificateTemplate(): CertificateTemplate {
  return STATIC_CERTIFICATE_TEMPLATE ?? (built ??= buildCertificateTemplate());
}

/** Builds the template with asn1js (at `npm run build`, and from the sources). */
export function buildCertificateTemplate(): CertificateTemplate {
  // required here, not imported: the bundle leaves asn1js out and only the sources get here
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const asn1js = require("asn1js") as typeof Asn1js;
  const der = (value: Asn1js.BaseBlock) => Buffer.from(value.toBER());
  const explicit = (tagNumber: number, value: Asn1js.BaseBlock) =>
    new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value: [value] });
  const extension = (oid: string, critical: boolean, value: Asn1js.BaseBlock) =>
    new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: oid }),
        ...(critical ? [new asn1js.Boolean({ value: true })] : []),
        new asn1js.OctetString({ valueHex: der(value) }),
      ],
    });

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
  const publicKey = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }), new asn1js.ObjectIdentifier({ value: OID.prime256v1 })],
      }),
      new asn1js.BitString({ valueHex: PLACEHOLDER.point, unusedBits: 0 }),
    ],
  });
  const tbs = der(
    new asn1js.Sequence({
      value: [
        explicit(0, new asn1js.Integer({ value: 2 })), // v3
        new asn1js.Integer({ valueHex: PLACEHOLDER.serial }),
        algorithm,
        name,
        new asn1js.Sequence({
          value: [new asn1js.UTCTime({ valueDate: PLACEHOLDER.notBefore }), new asn1js.UTCTime({ valueDate: PLACEHOLDER.notAfter })],
        }),
        name,
        publicKey,
        explicit(
          3,
          new asn1js.Sequence({
            value: [
              extension(OID.basicConstraints, true, new asn1js.Sequence({ value: [new asn1js.Boolean({ value: true })] })),
              extension(OID.keyUsage, true, new asn1js.BitString({ valueHex: Buffer.from([KEY_USAGE.bits]), unusedBits: KEY_USAGE.unusedBits })),
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
    }),
  );
  const publicKeyDer = der(publicKey);
  return {
    tbs: tbs.toString("base64"),
    algorithm: der(algorithm).toString("base64"),
    serial: onlyOffset(tbs, PLACEHOLDER.serial, "serial"),
    notBefore: onlyOffset(tbs, Buffer.from(utcTime(PLACEHOLDER.notBefore)), "notBefore"),
    notAfter: onlyOffset(tbs, Buffer.from(utcTime(PLACEHOLDER.notAfter)), "notAfter"),
    publicKey: onlyOffset(tbs, publicKeyDer, "public key"),
    publicKeyLength: publicKeyDer.length,
  };
}

/** Where `part` is in `whole`, which must hold it exactly once. */
function onlyOffset(whole: Buffer, part: Buffer, what: string): number {
  const at = whole.indexOf(part);
  if (at === -1 || whole.indexOf(part, at + 1) !== -1) throw new Error(`the certificate template holds its ${what} placeholder ${at === -1 ? "nowhere" : "twice"}`);
  return at;
}

/** `date` as an X.509 UTCTime, `YYMMDDHHMMSSZ` (RFC 5280 dates through 2049; a provider's are never later). */
export function utcTime(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new Error(`a certificate date in ${year} cannot be written as UTCTime (1950-2049)`);
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    two(year % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    "Z"
  );
}
