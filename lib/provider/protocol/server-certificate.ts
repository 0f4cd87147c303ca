/**
 * The provider's TLS identity for go-plugin's automatic mTLS: a fresh EC P-256 key and a self-signed certificate
 * valid from 30 s ago for a day, shaped by certificate-template.ts (written with asn1js). Filling the template's
 * serial, dates and public key and wrapping the signed part are all that happens per process; the key and the
 * signature come from node:crypto.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { certificateTemplate, SERIAL_BYTES, utcTime } from "./certificate-template";

export interface ServerCertificate {
  /** The certificate, DER bytes (the handshake line carries them in base64). */
  readonly der: Buffer;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

const VALIDITY_MS = 24 * 60 * 60 * 1000;
const BACKDATE_MS = 30 * 1000;
/** DER tags: SEQUENCE (constructed) and BIT STRING. */
const SEQUENCE = 0x30;
const BIT_STRING = 0x03;

export function createServerCertificate(now = new Date()): ServerCertificate {
  const template = certificateTemplate();
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const tbs = Buffer.from(template.tbs, "base64");
  Buffer.concat([Buffer.from([1]), randomBytes(SERIAL_BYTES - 1)]).copy(tbs, template.serial);
  tbs.write(utcTime(new Date(now.getTime() - BACKDATE_MS)), template.notBefore, "latin1");
  tbs.write(utcTime(new Date(now.getTime() + VALIDITY_MS)), template.notAfter, "latin1");
  const spki = publicKey.export({ type: "spki", format: "der" });
  if (spki.length !== template.publicKeyLength) {
    throw new Error(`node:crypto exported a P-256 public key of ${spki.length} bytes, the certificate template holds ${template.publicKeyLength}`);
  }
  spki.copy(tbs, template.publicKey);
  const signature = sign("sha256", tbs, privateKey);
  const certificate = tlv(SEQUENCE, Buffer.concat([tbs, Buffer.from(template.algorithm, "base64"), tlv(BIT_STRING, Buffer.concat([Buffer.from([0]), signature]))]));
  const base64Lines = certificate.toString("base64").replace(/.{1,64}/g, "$&\n");
  return {
    der: certificate,
    certificatePem: `-----BEGIN CERTIFICATE-----\n${base64Lines}-----END CERTIFICATE-----\n`,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  };
}

/** One DER element: `tag`, the definite length of `content` (short form, or long form of 1-2 bytes), `content`. */
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  if (n > 0xffff) throw new Error(`a DER element of ${n} bytes is longer than a certificate ever is`);
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}
