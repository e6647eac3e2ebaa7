/** The name the microphone worklet registers its processor under (the page and the worklet share it). */
export const MIC_PROCESSOR = 'call-me-back-mic';
