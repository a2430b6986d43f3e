package sfu

// isKeyframe reports whether an RTP payload starts a keyframe, for the
// codecs whose layers the SFU switches (VP8: RFC 7741 §4.2-4.3; VP9:
// draft-ietf-payload-vp9 §4.2; H.264: RFC 6184 §5). Unknown codecs report
// true so switching never stalls.
func isKeyframe(codec string, p []byte) bool {
	switch codec {
	case "vp8":
		return vp8Keyframe(p)
	case "vp9":
		if len(p) < 1 {
			return false
		}
		return p[0]&0x40 == 0 && p[0]&0x08 != 0 // not inter-predicted, start of frame
	case "h264":
		return h264Keyframe(p)
	default:
		return true
	}
}

func vp8Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	start, pid := p[0]&0x10 != 0, p[0]&0x07
	if !start || pid != 0 {
		return false
	}
	i := 1
	if p[0]&0x80 != 0 { // X
		if len(p) <= i {
			return false
		}
		x := p[i]
		i++
		if x&0x80 != 0 { // I: picture id
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 {
				i += 2
			} else {
				i++
			}
		}
		if x&0x40 != 0 { // L
			i++
		}
		if x&0x30 != 0 { // T or K
			i++
		}
	}
	if len(p) <= i {
		return false
	}
	return p[i]&0x01 == 0 // P bit clear: keyframe
}

func h264Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch nal := p[0] & 0x1f; nal {
	case 5, 7:
		return true
	case 24: // STAP-A
		for i := 1; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			i += 2
			if i >= len(p) {
				return false
			}
			if t := p[i] & 0x1f; t == 5 || t == 7 {
				return true
			}
			i += size
		}
	case 28: // FU-A
		return len(p) > 1 && p[1]&0x80 != 0 && p[1]&0x1f == 5
	}
	return false
}
